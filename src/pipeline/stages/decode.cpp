// The decode stage: the client's body as JSON, the routing preferences it carries, and the surface's codec
// turning it into the canonical request. Library calls arrive canonical already and only have their
// preferences read (from the request's `extra`).
#include <fmt/format.h>

#include <charconv>

#include "core/json_util.hpp"
#include "pipeline/stages/stages.hpp"
#include "surfaces/anthropic/surface.hpp"
#include "surfaces/openai/surface.hpp"
#include "surfaces/surface.hpp"
#include "wire/anthropic/messages_request_scan.hpp"
#include "wire/openai/chat_request_scan.hpp"

namespace modelmux::pipeline::stages {
namespace {

// Embeddings and images are routed and attempted like chat: the model, and their text as one user message,
// so the router estimates input tokens as it does for chat.
ChatRequest planning_stand_in(std::string model, std::string text) {
  ChatRequest chat;
  chat.model = std::move(model);
  Message m;
  m.role = Role::user;
  m.content.push_back(ContentPart{.text = std::move(text)});
  chat.messages.push_back(std::move(m));
  return chat;
}

std::string joined(const std::vector<std::string>& inputs) {
  std::string text;
  for (const auto& s : inputs) {
    if (!text.empty()) text.push_back('\n');
    text += s;
  }
  return text;
}

}  // namespace

Result<boost::json::value> parse_body(std::string_view body, boost::json::storage_ptr storage) {
  boost::system::error_code ec;
  boost::json::value tree = json_util::parse(body, ec, std::move(storage));
  if (ec == boost::json::error::too_deep)
    return fail(ErrorCode::invalid_request,
                fmt::format("request body is too deeply nested (limit {} levels)", json_util::kMaxDepth));
  if (ec)
    return fail(ErrorCode::invalid_json, fmt::format("request body is not valid JSON: {}", ec.message()));
  if (!tree.is_object()) return fail(ErrorCode::invalid_request, "request body must be a JSON object");
  return tree;
}

Result<routing::Preferences> preferences(const http::HeaderList* headers, boost::json::object* fields,
                                         bool& removed, const config::RoutingConfig& rc) {
  routing::Preferences prefs;
  removed = false;
  std::string_view name = headers ? headers->get("x-modelmux-strategy") : std::string_view();
  std::string_view field = "x-modelmux-strategy";
  if (auto* v = fields ? fields->if_contains("strategy") : nullptr) {
    if (!v->is_string()) return fail(ErrorCode::invalid_request, "strategy must be a string", "strategy");
    if (name.empty()) {
      name = v->get_string();
      field = "strategy";
    }
  }
  if (!name.empty()) {
    auto s = routing::parse_strategy(name);
    if (!s)
      return fail(ErrorCode::invalid_request, fmt::format("{}: {}", field, routing::unknown_strategy(name)),
                  std::string(field));
    prefs.strategy = *s;
  }
  if (fields && fields->erase("strategy") > 0) removed = true;
  // The learned router's knobs (auto groups): header x-modelmux-quality-floor, body router: {threshold,
  // quality_floor}; the body's field is the gateway's, so it is not sent upstream either.
  if (auto floor = headers ? headers->get("x-modelmux-quality-floor") : std::string_view(); !floor.empty()) {
    auto v = routing::parse_unit(floor);
    if (!v) return fail(ErrorCode::invalid_request, "x-modelmux-quality-floor must be a number from 0 to 1");
    prefs.router.quality_floor = *v;
  }
  if (auto* r = fields ? fields->if_contains("router") : nullptr) {
    auto parsed = routing::parse_router_field(*r, prefs.router);
    if (!parsed) return std::unexpected(parsed.error());
    fields->erase("router");
    removed = true;
  }
  // A cost ceiling: the header, else the body's budget_limit (which no upstream knows, so it goes too).
  std::string_view ceiling = headers ? headers->get("x-modelmux-max-cost") : std::string_view();
  if (!ceiling.empty()) {
    double usd = -1;
    auto [end, ec] = std::from_chars(ceiling.data(), ceiling.data() + ceiling.size(), usd);
    if (ec != std::errc() || end != ceiling.data() + ceiling.size() || !(usd >= 0))
      return fail(ErrorCode::invalid_request, "x-modelmux-max-cost must be a number of US dollars, 0 or more",
                  "x-modelmux-max-cost");
    prefs.max_cost_usd = usd;
  }
  if (auto* v = fields ? fields->if_contains("budget_limit") : nullptr) {
    auto usd = json_util::as_number(*v);
    if (!usd || *usd < 0)
      return fail(ErrorCode::invalid_request, "budget_limit must be a number of US dollars, 0 or more",
                  "budget_limit");
    if (!prefs.max_cost_usd) prefs.max_cost_usd = *usd;
    fields->erase("budget_limit");
    removed = true;
  }
  if (auto* po = fields ? fields->if_contains(providers::kProviderOptions) : nullptr) {
    bool ok = po->is_object();
    for (const auto& [k, v] : ok ? po->get_object() : boost::json::object()) ok = ok && v.is_object();
    if (!ok)
      return fail(ErrorCode::invalid_request,
                  "provider_options must be an object of objects, keyed by provider name "
                  "(e.g. {\"anthropic\": {\"top_k\": 5}})",
                  "provider_options");
  }
  if (auto w = headers ? headers->get("x-modelmux-weights") : std::string_view(); !w.empty()) {
    auto parsed = routing::parse_weights(w, rc.balanced);
    if (!parsed) return std::unexpected(parsed.error());
    prefs.weights = *parsed;
  }
  return prefs;
}

// The OpenAI chat and Anthropic Messages surfaces' common request, decoded from its bytes: no tree is built,
// and the empty `fields` say that no key of the gateway's (strategy, router, budget_limit,
// provider_options) or any other was in the body. False leaves the request to the full path.
bool scanned(Context& ctx) {
  if (!ctx.headers || ctx.op != Operation::chat) return false;
  json_scan::Span model_at;
  bool openai = &ctx.surface == &surfaces::openai_surface();
  if (!openai && &ctx.surface != &surfaces::anthropic_surface()) return false;
  if (!(openai ? openai::scan_chat_request(ctx.body, ctx.chat, &model_at)
               : anthropic::scan_request(ctx.body, ctx.chat, &model_at))) {
    ctx.chat = ChatRequest();
    return false;
  }
  ctx.model_at = model_at;
  ctx.json.emplace_object();
  ctx.fields = &ctx.json.get_object();
  return true;
}

void decode(Context& ctx) {
  if (scanned(ctx)) {
    bool removed = false;  // (the headers' preferences only: there are no body fields to take out)
    auto prefs = preferences(ctx.headers, nullptr, removed, ctx.rt.config.routing);
    if (!prefs) return ctx.fail(std::move(prefs.error()));
    ctx.prefs = *prefs;
    ctx.record.model = ctx.chat.model;
    ctx.record.stream = ctx.chat.stream;
    return;
  }
  if (ctx.headers) {
    // (parsed into the value's own storage, the request's arena: assigning across storages would copy)
    auto parsed = parse_body(ctx.body, ctx.json.storage());
    if (!parsed) return ctx.fail(std::move(parsed.error()));
    ctx.json = std::move(*parsed);
    ctx.fields = &ctx.json.get_object();
  }
  bool removed = false;
  auto prefs = preferences(ctx.headers, ctx.fields, removed, ctx.rt.config.routing);
  if (!prefs) return ctx.fail(std::move(prefs.error()));
  ctx.prefs = *prefs;
  if (removed && ctx.headers) {
    // Upstreams that take the client's body as it is get it without the gateway's own fields.
    ctx.rewritten_body = boost::json::serialize(*ctx.fields);
    ctx.body = ctx.rewritten_body;
  }
  if (auto ok = ctx.surface.decode(ctx); !ok) return ctx.fail(std::move(ok.error()));
  if (ctx.op == Operation::embeddings)
    ctx.chat = planning_stand_in(ctx.embeddings->model, joined(ctx.embeddings->inputs));
  else if (ctx.op == Operation::images)
    ctx.chat = planning_stand_in(ctx.images->model, ctx.images->prompt);
  ctx.record.model = ctx.chat.model;
  ctx.record.stream = ctx.chat.stream;
}

}  // namespace modelmux::pipeline::stages
