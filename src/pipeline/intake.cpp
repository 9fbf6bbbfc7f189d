#include "pipeline/intake.hpp"

#include <fmt/format.h>

#include "core/json_util.hpp"

namespace modelmux::pipeline {

Result<boost::json::value> parse_body(std::string_view body, boost::json::storage_ptr storage) {
  boost::system::error_code ec;
  boost::json::value tree = json_util::parse(body, ec, std::move(storage));
  if (ec == boost::json::error::too_deep)
    return fail(ErrorCode::invalid_request,
                fmt::format("request body is too deeply nested (limit {} levels)", json_util::kMaxDepth));
  if (ec) return fail(ErrorCode::invalid_json, fmt::format("request body is not valid JSON: {}", ec.message()));
  if (!tree.is_object()) return fail(ErrorCode::invalid_request, "request body must be a JSON object");
  return tree;
}

Result<const routing::ModelGroup*> route(const routing::Catalog& catalog, std::string_view model) {
  if (const auto* group = catalog.find(model)) return group;
  return fail(ErrorCode::model_not_found,
              fmt::format("The model `{}` does not exist or is not configured in modelmux", model), "model");
}

Result<routing::Preferences> preferences(const http::HeaderList& headers, boost::json::object* body, bool& removed,
                                         const config::RoutingConfig& rc) {
  routing::Preferences prefs;
  removed = false;
  std::string_view name = headers.get("x-modelmux-strategy");
  std::string_view field = "x-modelmux-strategy";
  if (body) {
    if (auto* v = body->if_contains("strategy")) {
      if (!v->is_string()) return fail(ErrorCode::invalid_request, "strategy must be a string", "strategy");
      if (name.empty()) {
        name = v->get_string();
        field = "strategy";
      }
    }
  }
  if (!name.empty()) {
    auto s = config::parse_strategy(name);
    if (!s)
      return fail(ErrorCode::invalid_request,
                  fmt::format("{}: unknown strategy \"{}\" (known: priority, weighted, least_busy, latency, cost, "
                              "quality, balanced, local_first, adaptive, auto)", field, name),
                  std::string(field));
    prefs.strategy = *s;
  }
  if (body && body->erase("strategy") > 0) removed = true;
  if (auto* po = body ? body->if_contains(providers::kProviderOptions) : nullptr) {
    bool ok = po->is_object();
    for (const auto& [k, v] : ok ? po->get_object() : boost::json::object()) ok = ok && v.is_object();
    if (!ok)
      return fail(ErrorCode::invalid_request,
                  "provider_options must be an object of objects, keyed by provider name "
                  "(e.g. {\"anthropic\": {\"top_k\": 5}})",
                  "provider_options");
  }
  if (auto w = headers.get("x-modelmux-weights"); !w.empty()) {
    auto parsed = routing::parse_weights(w, rc.balanced);
    if (!parsed) return std::unexpected(parsed.error());
    prefs.weights = *parsed;
  }
  return prefs;
}

Result<routing::Plan> plan_route(const Runtime& rt, const ChatRequest& req, const routing::Preferences& prefs,
                                 bool explain) {
  auto group = route(rt.catalog, req.model);
  if (!group) return std::unexpected(group.error());
  return rt.router.plan(**group, req, prefs, explain);
}

Result<routing::Plan> route_chat(const Runtime& rt, Result<ChatRequest>& req, const Result<routing::Preferences>& prefs,
                                 observability::AccessRecord& rec) {
  if (!req) return std::unexpected(req.error());
  rec.model = req->model;
  rec.stream = req->stream;
  auto plan = plan_route(rt, *req, *prefs);
  if (!plan) req = std::unexpected(plan.error());
  return plan;
}

}  // namespace modelmux::pipeline
