#include "modelmux/gateway.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <mutex>

#include "pipeline/attempts.hpp"
#include "pipeline/embeddings_intake.hpp"
#include "pipeline/intake.hpp"
#include "pipeline/runtime.hpp"

namespace asio = boost::asio;

namespace modelmux {

struct Gateway::Impl {
  explicit Impl(config::Config cfg) : runtime(std::move(cfg)) {}
  pipeline::Runtime runtime;
  std::mutex mu;           // one call at a time drives the context and its connection pool
  asio::io_context ioc{1};

  template <class T>
  Result<T> run(asio::awaitable<Result<T>> op) {
    std::lock_guard lock(mu);
    auto fut = asio::co_spawn(ioc, std::move(op), asio::use_future);
    // Until this call's work is done; background work (a timeout sweep) may still be pending after it.
    while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      if (ioc.run_one() == 0) ioc.restart();
    }
    return fut.get();
  }

  Result<routing::Plan> plan_for(const ChatRequest& req) {
    if (req.messages.empty()) return fail(ErrorCode::invalid_request, "messages must not be empty", "messages");
    return pipeline::plan_route(runtime, req, {});
  }
};

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gateway::Gateway(Gateway&&) noexcept = default;
Gateway& Gateway::operator=(Gateway&&) noexcept = default;
Gateway::~Gateway() = default;

Gateway Gateway::with_defaults() { return Gateway(std::make_unique<Impl>(config::builtin_defaults())); }
Gateway Gateway::from_file(const std::string& path) { return Gateway(std::make_unique<Impl>(config::load_file(path))); }
Gateway Gateway::from_yaml(const std::string& yaml) {
  return Gateway(std::make_unique<Impl>(config::load_string(yaml, "<yaml>")));
}

std::vector<std::string> Gateway::models() const {
  std::vector<std::string> out;
  for (const auto& g : impl_->runtime.catalog.groups()) out.push_back(g.name);
  return out;
}

Result<ChatResponse> Gateway::chat(const ChatRequest& request) {
  ChatRequest req = request;
  req.stream = false;
  auto plan = impl_->plan_for(req);
  if (!plan) return std::unexpected(plan.error());
  return impl_->run<ChatResponse>([](const pipeline::Runtime& rt, routing::Plan p,
                                     ChatRequest r) -> asio::awaitable<Result<ChatResponse>> {
    std::vector<observability::AttemptRecord> log;
    auto answer = co_await pipeline::attempt_targets(
        rt, p, r, [&](const providers::Target& t) { return t.provider->build_chat(r, t); }, log);
    if (!answer) co_return std::unexpected(answer.error());
    auto body = co_await answer->reply->read_all();
    if (!body) co_return std::unexpected(body.error());
    co_return answer->target->provider->decode_chat(*body, r);
  }(impl_->runtime, std::move(*plan), std::move(req)));
}

Result<EmbeddingsResponse> Gateway::embed(const EmbeddingsRequest& request) {
  if (request.inputs.empty()) return fail(ErrorCode::invalid_request, "inputs must not be empty", "input");
  auto stand_in = pipeline::planning_stand_in(request);
  auto plan = pipeline::plan_route(impl_->runtime, stand_in, {});
  if (!plan) return std::unexpected(plan.error());
  return impl_->run<EmbeddingsResponse>([](const pipeline::Runtime& rt, routing::Plan p, ChatRequest planned,
                                           EmbeddingsRequest r) -> asio::awaitable<Result<EmbeddingsResponse>> {
    std::vector<observability::AttemptRecord> log;
    auto answer = co_await pipeline::attempt_targets(
        rt, p, planned, [&](const providers::Target& t) { return t.provider->build_embeddings(r, t); }, log);
    if (!answer) co_return std::unexpected(answer.error());
    auto body = co_await answer->reply->read_all();
    if (!body) co_return std::unexpected(body.error());
    auto resp = answer->target->provider->decode_embeddings(*body, r);
    if (resp && resp->model.empty()) resp->model = r.model;
    co_return resp;
  }(impl_->runtime, std::move(*plan), std::move(stand_in), request));
}

Result<std::optional<Usage>> Gateway::chat_stream(const ChatRequest& request,
                                                  const std::function<void(const StreamEvent&)>& on_event) {
  ChatRequest req = request;
  req.stream = true;
  req.include_usage = true;
  auto plan = impl_->plan_for(req);
  if (!plan) return std::unexpected(plan.error());
  using R = std::optional<Usage>;
  return impl_->run<R>([](const pipeline::Runtime& rt, routing::Plan p, ChatRequest r,
                          const std::function<void(const StreamEvent&)>& cb) -> asio::awaitable<Result<R>> {
    std::vector<observability::AttemptRecord> log;
    auto answer = co_await pipeline::attempt_targets(
        rt, p, r, [&](const providers::Target& t) { return t.provider->build_chat(r, t); }, log);
    if (!answer) co_return std::unexpected(answer.error());
    auto decoder = answer->target->provider->stream_decoder(r);
    std::vector<StreamEvent> events;
    R usage;
    for (;;) {
      auto piece = co_await answer->reply->read_some();
      if (!piece) co_return std::unexpected(piece.error());
      auto fed = piece->empty() ? decoder->finish(events) : decoder->feed(*piece, events);
      for (const auto& ev : events) {
        if (ev.kind == StreamEvent::Kind::usage) usage = ev.usage;
        cb(ev);
      }
      events.clear();
      if (!fed) co_return std::unexpected(fed.error());
      if (piece->empty()) break;
    }
    co_return usage;
  }(impl_->runtime, std::move(*plan), std::move(req), on_event));
}

}  // namespace modelmux
