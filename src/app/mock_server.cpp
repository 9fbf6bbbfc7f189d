#include "app/mock_server.hpp"

#include <fmt/format.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/json.hpp>
#include <array>
#include <iostream>
#include <mutex>
#include <random>

#include "http/server.hpp"

namespace json = boost::json;
namespace asio = boost::asio;

namespace modelmux::app {
namespace {

struct State {
  std::mutex mu;
  std::string last_request = "null";
};

double uniform() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

asio::awaitable<void> sleep_ms(int ms) {
  if (ms <= 0) co_return;
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

std::string_view error_type_for(int status) {
  switch (status) {
    case 401: return "invalid_request_error";
    case 429: return "requests";
    default: return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

asio::awaitable<void> chat(http::Exchange& ex, const MockServerOptions& o, State& state) {
  const auto& req = ex.request();
  {
    json::object headers;
    for (std::size_t i = 0; i < req.headers.size(); ++i) {
      std::string name(req.headers.name(i));
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      headers[name] = req.headers.value(i);
    }
    json::object rec{{"method", req.method}, {"path", req.target}, {"headers", std::move(headers)}, {"body", req.body}};
    std::lock_guard lock(state.mu);
    state.last_request = json::serialize(rec);
  }
  if (!o.api_key.empty()) {
    if (req.headers.get("authorization") != "Bearer " + o.api_key) {
      co_await ex.respond(401, "application/json",
                          mock::error_body("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
      co_return;
    }
  }
  if (o.stall_rate > 0 && uniform() < o.stall_rate) {
    co_await sleep_ms(3'600'000);
    ex.abort();
    co_return;
  }
  if (o.reset_rate > 0 && uniform() < o.reset_rate) {
    ex.abort();
    co_return;
  }
  int delay = o.latency_ms + (o.jitter_ms > 0 ? static_cast<int>(uniform() * o.jitter_ms) : 0);
  co_await sleep_ms(delay);
  if (o.fail_status > 0 && uniform() < o.fail_rate) {
    std::string seconds = std::to_string(o.retry_after);
    std::array<http::HeaderView, 1> retry{http::HeaderView{"retry-after", seconds}};
    http::HeaderViews h(retry.data(), o.retry_after >= 0 ? 1 : 0);
    co_await ex.respond(static_cast<unsigned>(o.fail_status), "application/json",
                        mock::error_body(fmt::format("mock-server injected failure {}", o.fail_status),
                                         error_type_for(o.fail_status), ""),
                        h);
    co_return;
  }
  boost::system::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec || !v.is_object()) {
    co_await ex.respond(400, "application/json",
                        mock::error_body("We could not parse the JSON body of your request.", "invalid_request_error", ""));
    co_return;
  }
  if (auto ok = mock::validate(v.get_object()); !ok) {
    co_await ex.respond(400, "application/json", mock::error_body(ok.error().message, "invalid_request_error", ""));
    co_return;
  }
  const auto& body = v.get_object();
  bool stream = false;
  if (auto* s = body.if_contains("stream"); s && s->is_bool()) stream = s->get_bool();
  if (!stream) {
    co_await ex.respond(200, "application/json", mock::completion(body, o.shape));
    co_return;
  }
  if (!co_await ex.begin_stream(200, "text/event-stream")) co_return;
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

}  // namespace

int run_mock_server(const MockServerOptions& o) {
  config::ServerConfig sc;
  config::parse_listen(o.listen, {"--listen", 0, ""}, sc.host, sc.port);
  sc.threads = o.threads;
  sc.shutdown_grace = std::chrono::milliseconds(2000);
  State state;
  auto handler = [&](http::Exchange& ex) -> asio::awaitable<void> {
    std::string_view target = ex.request().target;
    std::string_view path = target.substr(0, target.find('?'));
    if (path.ends_with("/chat/completions")) {  // /v1/..., and Azure's /openai/deployments/<d>/...
      co_await chat(ex, o, state);
    } else if (target.starts_with("/v1/models")) {
      co_await ex.respond(200, "application/json",
                          R"({"object":"list","data":[{"id":"mock","object":"model","created":0,"owned_by":"mock"}]})");
    } else if (target == "/_mock/last_request") {
      std::string last;
      {
        std::lock_guard lock(state.mu);
        last = state.last_request;
      }
      co_await ex.respond(200, "application/json", std::move(last));
    } else if (target == "/health") {
      co_await ex.respond(200, "application/json", R"({"status":"ok"})");
    } else {
      co_await ex.respond(404, "application/json", mock::error_body("Unknown path", "invalid_request_error", ""));
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
