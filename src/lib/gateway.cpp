// libmodelmux: the gateway's pipeline in-process. Calls run the same stage list as the server (preferences,
// routing, attempts, cost, access log), with a surface that takes canonical requests and a responder that
// hands canonical answers back.
#include "modelmux/gateway.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <mutex>

#include "core/ids.hpp"
#include "pipeline/pipeline.hpp"
#include "pipeline/responder.hpp"
#include "surfaces/surface.hpp"

namespace asio = boost::asio;

namespace modelmux {
namespace {

using pipeline::Context;
using pipeline::Operation;

// Requests arrive canonical already: decoding is checking what the canonical types cannot say.
class LibrarySurface final : public surfaces::Surface {
 public:
  std::string_view name() const override { return "library"; }
  providers::Wire wire() const override { return providers::Wire::none; }
  Result<void> decode(Context& ctx) const override {
    if (ctx.op == Operation::chat && ctx.chat.messages.empty())
      return fail(ErrorCode::invalid_request, "messages must not be empty", "messages");
    if (ctx.op == Operation::embeddings && ctx.embeddings->inputs.empty())
      return fail(ErrorCode::invalid_request, "inputs must not be empty", "input");
    return {};
  }
};

const LibrarySurface kLibrary;

// Answers stay canonical in the context; streamed events go to the caller's callback as they come.
class LibraryResponder final : public pipeline::Responder {
 public:
  explicit LibraryResponder(const std::function<void(const StreamEvent&)>* on_event = nullptr)
      : on_event_(on_event) {}
  asio::awaitable<void> respond(Context& ctx) override {
    status_ = ctx.error ? static_cast<unsigned>(ctx.error->http_status) : 200;
    co_return;
  }
  asio::awaitable<bool> begin_stream(Context&) override {
    streaming_ = true;
    status_ = 200;
    co_return on_event_ != nullptr;
  }
  // No surface of the library's speaks a provider's wire, so nothing is passed through.
  asio::awaitable<bool> stream_bytes(Context&, std::string_view) override { co_return false; }
  asio::awaitable<bool> stream_events(Context&, std::span<const StreamEvent> events) override {
    for (const auto& ev : events) (*on_event_)(ev);
    co_return true;
  }
  asio::awaitable<void> end_stream(Context&) override { co_return; }
  bool streaming() const override { return streaming_; }
  unsigned status() const override { return status_; }

 private:
  const std::function<void(const StreamEvent&)>* on_event_;
  bool streaming_ = false;
  unsigned status_ = 0;
};

}  // namespace

struct Gateway::Impl {
  explicit Impl(config::Config cfg) : runtime(std::move(cfg)) {}
  pipeline::Runtime runtime;
  std::mutex mu;  // one call at a time drives the context and its connection pool
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

  // A call through the pipeline: `fill` puts the canonical request into the context, `take` the answer out.
  template <class T, class Fill, class Take>
  Result<T> through_pipeline(Operation op, std::string_view path, Fill fill, Take take,
                             const std::function<void(const StreamEvent&)>* on_event = nullptr) {
    return run<T>([](const pipeline::Runtime& rt, Operation op, std::string_view path, Fill fill, Take take,
                     const std::function<void(const StreamEvent&)>* on_event) -> asio::awaitable<Result<T>> {
      LibraryResponder out(on_event);
      Context ctx(rt, kLibrary, op, out);
      std::string id = new_request_id();
      ctx.request_id = id;
      ctx.record.method = "CALL";
      ctx.record.path = path;
      fill(ctx);
      co_await pipeline::run(ctx);
      if (ctx.error) co_return std::unexpected(*ctx.error);
      co_return take(ctx);
    }(runtime, op, path, std::move(fill), std::move(take), on_event));
  }
};

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gateway::Gateway(Gateway&&) noexcept = default;
Gateway& Gateway::operator=(Gateway&&) noexcept = default;
Gateway::~Gateway() = default;

Gateway Gateway::with_defaults() {
  return Gateway(std::make_unique<Impl>(config::builtin_defaults()));
}
Gateway Gateway::from_file(const std::string& path) {
  return Gateway(std::make_unique<Impl>(config::load_file(path)));
}
Gateway Gateway::from_yaml(const std::string& yaml) {
  return Gateway(std::make_unique<Impl>(config::load_string(yaml, "<yaml>")));
}

std::vector<std::string> Gateway::models() const {
  std::vector<std::string> out;
  for (const auto& g : impl_->runtime.catalog.groups()) out.push_back(g.name);
  return out;
}

Result<ChatResponse> Gateway::chat(const ChatRequest& request) {
  return impl_->through_pipeline<ChatResponse>(
      Operation::chat, "Gateway::chat",
      [&request](Context& ctx) {
        ctx.chat = request;
        ctx.chat.stream = false;
        ctx.fields = &ctx.chat.extra;
      },
      [](Context& ctx) {
        ctx.chat_reply.cost_usd = ctx.cost_usd;
        return std::move(ctx.chat_reply);
      });
}

Result<EmbeddingsResponse> Gateway::embed(const EmbeddingsRequest& request) {
  return impl_->through_pipeline<EmbeddingsResponse>(
      Operation::embeddings, "Gateway::embed",
      [&request](Context& ctx) {
        ctx.embeddings = request;
        ctx.fields = &ctx.embeddings->extra;
      },
      [](Context& ctx) {
        ctx.embeddings_reply->cost_usd = ctx.cost_usd;
        return std::move(*ctx.embeddings_reply);
      });
}

Result<std::optional<Usage>> Gateway::chat_stream(const ChatRequest& request,
                                                  const std::function<void(const StreamEvent&)>& on_event) {
  return impl_->through_pipeline<std::optional<Usage>>(
      Operation::chat, "Gateway::chat_stream",
      [&request](Context& ctx) {
        ctx.chat = request;
        ctx.chat.stream = true;
        ctx.chat.include_usage = true;
        ctx.fields = &ctx.chat.extra;
      },
      [](Context& ctx) { return ctx.usage; }, &on_event);
}

}  // namespace modelmux
