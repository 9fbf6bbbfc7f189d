#include "app/mock_server.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <mutex>
#include <random>

#include "core/awaited.hpp"
#include "core/json_util.hpp"
#include "http/server.hpp"

namespace json = boost::json;
namespace asio = boost::asio;

namespace modelmux::app {
namespace {

struct State {
  std::mutex mu;
  std::string last_request = "null";
  MockServerOptions live;  // changed at run time by POST /_mock/set
  std::uint64_t requests = 0;
};

// POST /_mock/set {"latency_ms": 500, "fail_rate": 1, ...}: tests change the fault plan while running.
std::string set_options(State& state, std::string_view body) {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object()) return "body must be a JSON object";
  std::lock_guard lock(state.mu);
  auto& o = state.live;
  for (const auto& [k, val] : v.get_object()) {
    if (k == "fail_code" && val.is_string()) {
      o.fail_code = val.get_string();
      continue;
    }
    if (!val.is_number()) return "values must be numbers";
    double d = val.to_number<double>();
    int i = static_cast<int>(d);
    if (k == "latency_ms")
      o.latency_ms = i;
    else if (k == "jitter_ms")
      o.jitter_ms = i;
    else if (k == "fail_status")
      o.fail_status = i;
    else if (k == "fail_rate")
      o.fail_rate = d;
    else if (k == "retry_after")
      o.retry_after = i;
    else if (k == "reset_rate")
      o.reset_rate = d;
    else if (k == "stall_rate")
      o.stall_rate = d;
    else if (k == "cut_after_chunks")
      o.cut_after_chunks = i;
    else if (k == "malformed_rate")
      o.malformed_rate = d;
    else if (k == "stream_error_rate")
      o.stream_error_rate = d;
    else if (k == "fail_first")
      o.fail_first = i;
    else if (k == "chunk_interval_ms")
      o.chunk_interval_ms = i;
    else
      return "unknown option " + std::string(k);
  }
  return {};
}

double uniform() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

asio::awaitable<void> sleep_ms(int ms) {
  if (ms <= 0) co_return;
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(awaited);
}

std::string_view error_type_for(int status) {
  switch (status) {
    case 401:
      return "invalid_request_error";
    case 429:
      return "requests";
    default:
      return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

// What every upstream call goes through first: it is counted and recorded, then the fault plan applies
// (API key, stall, reset, latency, injected failure). False: the exchange is already answered.
asio::awaitable<bool> admit(http::Exchange& ex, State& state, MockServerOptions& o) {
  const auto& req = ex.request();
  bool fail_now = false;
  {
    std::lock_guard lock(state.mu);
    ++state.requests;
    if (state.live.fail_first > 0) {
      --state.live.fail_first;
      fail_now = true;
    }
    o = state.live;
  }
  {
    json::object headers;
    for (std::size_t i = 0; i < req.headers.size(); ++i) {
      std::string name(req.headers.name(i));
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      headers[name] = req.headers.value(i);
    }
    json::object rec{
        {"method", req.method}, {"path", req.target}, {"headers", std::move(headers)}, {"body", req.body}};
    std::lock_guard lock(state.mu);
    state.last_request = json::serialize(rec);
  }
  if (!o.api_key.empty()) {
    if (req.headers.get("authorization") != "Bearer " + o.api_key) {
      co_await ex.respond(
          401, "application/json",
          mock::error_body("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
      co_return false;
    }
  }
  if (o.stall_rate > 0 && uniform() < o.stall_rate) {
    co_await sleep_ms(3'600'000);
    ex.abort();
    co_return false;
  }
  if (o.reset_rate > 0 && uniform() < o.reset_rate) {
    ex.abort();
    co_return false;
  }
  int delay = o.latency_ms + (o.jitter_ms > 0 ? static_cast<int>(uniform() * o.jitter_ms) : 0);
  co_await sleep_ms(delay);
  if (o.fail_status > 0 && (fail_now || uniform() < o.fail_rate)) {
    std::string seconds = std::to_string(o.retry_after);
    std::array<http::HeaderView, 1> retry{http::HeaderView{"retry-after", seconds}};
    http::HeaderViews h(retry.data(), o.retry_after >= 0 ? 1 : 0);
    co_await ex.respond(static_cast<unsigned>(o.fail_status), "application/json",
                        mock::error_body(fmt::format("mock-server injected failure {}", o.fail_status),
                                         error_type_for(o.fail_status), o.fail_code),
                        h);
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> chat(http::Exchange& ex, State& state) {
  const auto& req = ex.request();
  MockServerOptions o;
  if (!co_await admit(ex, state, o)) co_return;
  boost::system::error_code ec;
  auto v = json_util::parse(req.body, ec);
  if (ec || !v.is_object()) {
    co_await ex.respond(
        400, "application/json",
        mock::error_body("We could not parse the JSON body of your request.", "invalid_request_error", ""));
    co_return;
  }
  if (auto ok = mock::validate(v.get_object()); !ok) {
    co_await ex.respond(400, "application/json",
                        mock::error_body(ok.error().message, "invalid_request_error", ""));
    co_return;
  }
  const auto& body = v.get_object();
  bool stream = false;
  if (auto* s = body.if_contains("stream"); s && s->is_bool()) stream = s->get_bool();
  bool malformed = o.malformed_rate > 0 && uniform() < o.malformed_rate;
  // (Bodies are built before co_await: GCC 12 destroys temporaries of a ?: inside co_await twice.)
  if (!stream) {
    std::string reply =
        malformed ? std::string("{\"id\": \"chatcmpl-broken\", \"choi") : mock::completion(body, o.shape);
    co_await ex.respond(200, "application/json", std::move(reply));
    co_return;
  }
  if (!co_await ex.begin_stream(200, "text/event-stream")) co_return;
  if (malformed || (o.stream_error_rate > 0 && uniform() < o.stream_error_rate)) {
    // What some upstreams do under load: a 200, then an error where the first chunk should be.
    std::string first =
        malformed
            ? std::string("data: {\"id\": \"chatcmpl-broken\", \"choi\n\n")
            : "data: " + mock::error_body("mock-server injected stream error", "server_error", "") + "\n\n";
    co_await ex.write(first);
    co_await ex.end_stream();
    co_return;
  }
  int sent = 0;
  for (const auto& frame : mock::stream_frames(body, o.shape)) {
    if (sent == o.cut_after_chunks) {
      ex.abort();
      co_return;
    }
    if (sent > 0) co_await sleep_ms(o.chunk_interval_ms);
    if (!co_await ex.write(frame)) co_return;
    ++sent;
  }
  co_await ex.end_stream();
}

// /v1/embeddings: deterministic vectors (honouring dimensions and encoding_format); records the request
// and injects the same failures as chat.
asio::awaitable<void> embeddings(http::Exchange& ex, State& state) {
  MockServerOptions o;
  if (!co_await admit(ex, state, o)) co_return;
  boost::system::error_code ec;
  auto v = json_util::parse(ex.request().body, ec);
  if (ec || !v.is_object()) {
    co_await ex.respond(
        400, "application/json",
        mock::error_body("We could not parse the JSON body of your request.", "invalid_request_error", ""));
    co_return;
  }
  auto body = mock::embeddings(v.get_object());
  std::string reply =
      body ? std::move(*body) : mock::error_body(body.error().message, "invalid_request_error", "");
  co_await ex.respond(body ? 200 : 400, "application/json", std::move(reply));
}

}  // namespace

int run_mock_server(const MockServerOptions& o) {
  config::ServerConfig sc;
  config::parse_listen(o.listen, {"--listen", 0, ""}, sc.host, sc.port);
  sc.threads = o.threads;
  sc.shutdown_grace = std::chrono::milliseconds(2000);
  State state;
  state.live = o;
  auto handler = [&](http::Exchange& ex) -> asio::awaitable<void> {
    std::string_view target = ex.request().target;
    std::string_view path = target.substr(0, target.find('?'));
    if (path.ends_with("/chat/completions")) {  // /v1/..., and Azure's /openai/deployments/<d>/...
      co_await chat(ex, state);
    } else if (path.ends_with("/embeddings")) {
      co_await embeddings(ex, state);
    } else if (target.starts_with("/v1/models") && !state.live.api_key.empty() &&
               ex.request().headers.get("authorization") != "Bearer " + state.live.api_key) {
      co_await ex.respond(
          401, "application/json",
          mock::error_body("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
    } else if (target.starts_with("/v1/models")) {
      co_await ex.respond(
          200, "application/json",
          R"({"object":"list","data":[{"id":"mock","object":"model","created":0,"owned_by":"mock"}]})");
    } else if (target == "/_mock/last_request") {
      std::string last;
      {
        std::lock_guard lock(state.mu);
        last = state.last_request;
      }
      co_await ex.respond(200, "application/json", std::move(last));
    } else if (target == "/_mock/stats") {
      std::uint64_t n = 0;
      {
        std::lock_guard lock(state.mu);
        n = state.requests;
      }
      co_await ex.respond(200, "application/json", fmt::format(R"({{"requests":{}}})", n));
    } else if (target == "/_mock/set" && ex.request().method == "POST") {
      auto problem = set_options(state, ex.request().body);
      if (problem.empty())
        co_await ex.respond(200, "application/json", R"({"ok":true})");
      else
        co_await ex.respond(400, "application/json", mock::error_body(problem, "invalid_request_error", ""));
    } else if (target == "/health") {
      co_await ex.respond(200, "application/json", R"({"status":"ok"})");
    } else {
      co_await ex.respond(404, "application/json",
                          mock::error_body("Unknown path", "invalid_request_error", ""));
    }
  };
  auto on_error = [](http::Exchange& ex, const Error& err) -> asio::awaitable<void> {
    co_await ex.respond(static_cast<unsigned>(err.http_status), "application/json",
                        mock::error_body(err.message, "invalid_request_error", ""));
  };
  http::Server server(sc, handler, on_error);
  auto port = server.bind();
  std::cout << "mock-server listening on " << sc.host << ":" << port << std::endl;
  server.run();
  return 0;
}

}  // namespace modelmux::app
