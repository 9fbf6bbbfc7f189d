#include "app/routes.hpp"

#include <fmt/format.h>

#include "http/url.hpp"
#include "pipeline/context_pool.hpp"
#include "pipeline/pipeline.hpp"
#include "surfaces/admin/admin.hpp"
#include "surfaces/admin/governance_api.hpp"
#include "surfaces/anthropic/surface.hpp"
#include "surfaces/gemini/surface.hpp"
#include "surfaces/http_responder.hpp"
#include "surfaces/openai/responses.hpp"
#include "surfaces/openai/surface.hpp"

namespace modelmux::app {
namespace {

namespace asio = boost::asio;
using pipeline::Operation;

using Handler = asio::awaitable<void> (*)(http::Exchange&, const pipeline::Runtime&);
using ModelHandler = asio::awaitable<void> (*)(http::Exchange&, const pipeline::Runtime&, std::string model);

// A path is exact, or holds one `{model}` that matches everything between its prefix and suffix (Gemini's
// model names keep their slashes: /v1beta/models/openai/gpt-4o:generateContent; the admin API's paths).
struct Route {
  std::string_view method;
  std::string_view path;
  const surfaces::ClientSurface* surface = nullptr;  // the pipeline serves the route ...
  Operation op = Operation::chat;
  std::string_view action;               // the surface's variant of the operation
  Handler handler = nullptr;             // ... or a handler of its own
  ModelHandler model_handler = nullptr;  // (one that takes the path's {model})
};

const std::vector<Route>& table() {
  const auto* openai = &surfaces::openai_surface();
  const auto* anthropic = &surfaces::anthropic_surface();
  const auto* gemini = &surfaces::gemini_surface();
  const auto* responses = &surfaces::responses_surface();
  static const std::vector<Route> routes = {
      {"POST", "/v1/chat/completions", openai, Operation::chat},
      {"POST", "/chat/completions", openai, Operation::chat},
      {"POST", "/v1/embeddings", openai, Operation::embeddings},
      {"POST", "/embeddings", openai, Operation::embeddings},
      {"POST", "/v1/images/generations", openai, Operation::images},
      {"POST", "/images/generations", openai, Operation::images},
      {"POST", "/v1/responses", responses, Operation::chat},
      {"POST", "/responses", responses, Operation::chat},
      // (input_items before the bare id, which would take "{id}/input_items" as an id)
      {"GET",
       "/v1/responses/{model}/input_items",
       nullptr,
       {},
       {},
       nullptr,
       surfaces::responses::input_items},
      {"GET", "/v1/responses/{model}", nullptr, {}, {}, nullptr, surfaces::responses::retrieve},
      {"DELETE", "/v1/responses/{model}", nullptr, {}, {}, nullptr, surfaces::responses::remove},
      {"GET", "/v1/models", nullptr, {}, {}, surfaces::openai::list_models},
      {"GET", "/models", nullptr, {}, {}, surfaces::openai::list_models},
      {"POST", "/v1/messages", anthropic, Operation::chat},
      // Google's API versions differ in what Google serves, not in these shapes: v1beta is the SDK's default.
      {"POST", "/v1beta/models/{model}:generateContent", gemini, Operation::chat, "generateContent"},
      {"POST", "/v1beta/models/{model}:streamGenerateContent", gemini, Operation::chat,
       "streamGenerateContent"},
      {"POST", "/v1beta/models/{model}:embedContent", gemini, Operation::embeddings, "embedContent"},
      {"POST", "/v1beta/models/{model}:batchEmbedContents", gemini, Operation::embeddings,
       "batchEmbedContents"},
      {"POST",
       "/v1beta/models/{model}:countTokens",
       nullptr,
       {},
       {},
       nullptr,
       surfaces::gemini::count_tokens},
      {"GET", "/v1beta/models", nullptr, {}, {}, surfaces::gemini::list_models},
      {"GET", "/v1beta/models/{model}", nullptr, {}, {}, nullptr, surfaces::gemini::get_model},
      {"POST", "/v1/models/{model}:generateContent", gemini, Operation::chat, "generateContent"},
      {"POST", "/v1/models/{model}:streamGenerateContent", gemini, Operation::chat, "streamGenerateContent"},
      {"POST", "/v1/models/{model}:embedContent", gemini, Operation::embeddings, "embedContent"},
      {"POST", "/v1/models/{model}:batchEmbedContents", gemini, Operation::embeddings, "batchEmbedContents"},
      {"POST", "/v1/models/{model}:countTokens", nullptr, {}, {}, nullptr, surfaces::gemini::count_tokens},
      {"POST", "/v1/route", nullptr, {}, {}, surfaces::admin::route_explain},
      {"POST", "/route", nullptr, {}, {}, surfaces::admin::route_explain},
      {"POST", "/v1/feedback", nullptr, {}, {}, surfaces::admin::feedback},
      // Governance's admin API answers every path and method under it (its own 404s and 405s).
      {"GET", "/admin/v1/{model}", nullptr, {}, {}, nullptr, surfaces::admin::governance_api},
      {"POST", "/admin/v1/{model}", nullptr, {}, {}, nullptr, surfaces::admin::governance_api},
      {"PUT", "/admin/v1/{model}", nullptr, {}, {}, nullptr, surfaces::admin::governance_api},
      {"PATCH", "/admin/v1/{model}", nullptr, {}, {}, nullptr, surfaces::admin::governance_api},
      {"DELETE", "/admin/v1/{model}", nullptr, {}, {}, nullptr, surfaces::admin::governance_api},
      {"GET", "/health/targets", nullptr, {}, {}, surfaces::admin::health_targets},
      {"GET", "/health", nullptr, {}, {}, surfaces::admin::health},
      {"GET", "/healthz", nullptr, {}, {}, surfaces::admin::health},
  };
  return routes;
}

// Whether `path` is the route's; `model` receives what `{model}` matched, percent-decoded.
bool matches(const Route& r, std::string_view path, std::string& model) {
  auto brace = r.path.find("{model}");
  if (brace == std::string_view::npos) return path == r.path;
  std::string_view prefix = r.path.substr(0, brace), suffix = r.path.substr(brace + 7);
  if (path.size() <= prefix.size() + suffix.size() || !path.starts_with(prefix) || !path.ends_with(suffix))
    return false;
  model = http::percent_decode(path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()));
  return true;
}

asio::awaitable<void> serve(http::Exchange& ex, const pipeline::Runtime& rt, const Route& route,
                            std::string model) {
  surfaces::HttpResponder out(ex, *route.surface);
  // (not in this frame: a frame holding a Context is too large for Asio to recycle; context_pool.hpp)
  auto owned = pipeline::make_pooled_context(rt, *route.surface, route.op, out);
  auto& ctx = *owned;
  const auto& req = ex.request();
  ctx.request_id = ex.request_id();
  ctx.headers = &req.headers;
  ctx.query = req.query();
  ctx.body = req.body;
  ctx.action = route.action;
  ctx.model_in_path = std::move(model);
  ctx.record.method = route.method;
  ctx.record.path = route.path;
  ex.set_upstream_calls(&ctx.upstream_calls);
  co_await pipeline::run(ctx);
  ex.set_upstream_calls(nullptr);
}

// A 405 with the methods the path takes in `allow` (kept in this frame while the answer is written).
asio::awaitable<void> reject_method(http::Exchange& ex, Error err, std::string allow) {
  ex.add_header("allow", allow);
  co_await reject(ex, std::move(err));
}

}  // namespace

const surfaces::ClientSurface& surface_for_path(std::string_view path) {
  if (path == "/v1/messages" || path.starts_with("/v1/messages/")) return surfaces::anthropic_surface();
  if (path.starts_with("/v1beta/") || path.starts_with("/v1alpha/") ||
      (path.starts_with("/v1/models/") && path.find(':') != std::string_view::npos))
    return surfaces::gemini_surface();
  return surfaces::openai_surface();
}

// (a coroutine of its own, taking the error by value: the callers' errors are gone before it runs)
asio::awaitable<void> reject(http::Exchange& ex, Error err) {
  co_await surfaces::respond_error(ex, surface_for_path(ex.request().path()), err);
}

// A plain function returning the handler's awaitable, not a coroutine itself: no frame of its own.
asio::awaitable<void> dispatch(http::Exchange& ex, const pipeline::Runtime& rt) {
  const auto& req = ex.request();
  std::string_view path = req.path();
  std::string model;
  std::string allowed;
  for (const Route& r : table()) {
    if (!matches(r, path, model)) continue;
    if (r.method != req.method) {
      allowed += allowed.empty() ? "" : ", ";
      allowed += r.method;
      if (r.method == "GET") allowed += ", HEAD";  // (HEAD is served as GET, without the body)
      continue;
    }
    if (r.handler) return r.handler(ex, rt);
    if (r.model_handler) return r.model_handler(ex, rt, std::move(model));
    return serve(ex, rt, r, std::move(model));
  }
  if (!allowed.empty()) {
    auto e = Error::make(ErrorCode::invalid_request,
                         fmt::format("method {} is not allowed on {} (use {})", req.method, path, allowed));
    e.http_status = 405;
    return reject_method(ex, std::move(e), std::move(allowed));
  }
  return reject(ex, Error::make(ErrorCode::not_found, fmt::format("no route for {} {}", req.method, path)));
}

}  // namespace modelmux::app
