#include "surfaces/http_responder.hpp"

#include <array>
#include <charconv>

#include "pipeline/context.hpp"

namespace modelmux::surfaces {
namespace {

namespace asio = boost::asio;

// The headers every routed answer carries; their values live in `buf`, which must outlive the views.
struct RouteHeaders {
  std::array<http::HeaderView, 3> views;
  std::size_t count = 0;
  std::array<char, 24> attempts;
  std::string cost;

  explicit RouteHeaders(const pipeline::Context& ctx, bool with_cost) {
    const auto& answer = *ctx.answer;
    auto [end, ec] =
        std::to_chars(attempts.data(), attempts.data() + attempts.size(), ctx.record.attempts.size());
    views[count++] = {"x-modelmux-target", answer.target->label};
    views[count++] = {"x-modelmux-attempts",
                      std::string_view(attempts.data(), static_cast<std::size_t>(end - attempts.data()))};
    if (with_cost && ctx.cost_usd) {
      cost = format_usd(*ctx.cost_usd);
      views[count++] = {"x-modelmux-cost", cost};
    }
  }
  http::HeaderViews list() const { return {views.data(), count}; }
};

}  // namespace

std::string format_usd(double usd) {
  // In whole units of 1e-10 USD, printed as integers: std::to_chars for a double costs ten times as much,
  // on every reply.
  constexpr std::uint64_t kScale = 10'000'000'000;
  if (!(usd >= 0) || usd >= 1e9) return "0";
  auto units = static_cast<std::uint64_t>(usd * static_cast<double>(kScale) + 0.5);
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + 20, units / kScale);
  if (std::uint64_t frac = units % kScale) {
    // kScale + frac prints as 1 followed by the ten decimals, zeros kept; the 1 becomes the point.
    char* point = end;
    end = std::to_chars(point, point + 12, kScale + frac).ptr;
    *point = '.';
    while (end[-1] == '0') --end;
  }
  return std::string(buf, end);
}

asio::awaitable<void> respond_error(http::Exchange& ex, const ClientSurface& surface, const Error& err) {
  ErrorReply reply = surface.encode_error(err);
  std::string seconds = err.retry_after ? std::to_string(err.retry_after->count()) : std::string();
  std::array<http::HeaderView, 1> retry_after{http::HeaderView{"retry-after", seconds}};
  co_await ex.respond(reply.status, "application/json", std::move(reply.body),
                      http::HeaderViews(retry_after.data(), err.retry_after ? 1 : 0));
}

asio::awaitable<void> HttpResponder::respond(pipeline::Context& ctx) {
  if (ctx.error) {
    co_await respond_error(ex_, surface_, *ctx.error);
    co_return;
  }
  std::string body;
  if (ctx.passthrough) {
    body = std::move(ctx.reply_body);
  } else {
    switch (ctx.op) {
      case pipeline::Operation::chat:
        body = surface_.encode_chat(ctx);
        break;
      case pipeline::Operation::embeddings:
        body = surface_.encode_embeddings(ctx);
        break;
      case pipeline::Operation::images:
        body = surface_.encode_images(ctx);
        break;
    }
  }
  RouteHeaders headers(ctx, /*with_cost=*/true);
  co_await ex_.respond(200, "application/json", std::move(body), headers.list());
}

asio::awaitable<bool> HttpResponder::begin_stream(pipeline::Context& ctx) {
  if (!ctx.passthrough) encoder_ = surface_.stream_encoder(ctx);
  // A stream's cost is known only at its end: it goes to the access log, not a header.
  RouteHeaders headers(ctx, /*with_cost=*/false);
  co_return co_await ex_.begin_stream(200, "text/event-stream", headers.list());
}

asio::awaitable<bool> HttpResponder::stream_bytes(pipeline::Context&, std::string_view bytes) {
  co_return co_await ex_.write(bytes);
}

asio::awaitable<bool> HttpResponder::stream_events(pipeline::Context&, std::span<const StreamEvent> events) {
  frames_.clear();
  for (const auto& ev : events) encoder_->encode(ev, frames_);
  co_return co_await ex_.write(frames_);
}

asio::awaitable<void> HttpResponder::end_stream(pipeline::Context& ctx) {
  frames_.clear();
  if (ctx.error)
    frames_ = surface_.stream_error(*ctx.error);
  else if (encoder_)
    encoder_->finish(frames_);
  if (!frames_.empty()) {
    bool sent = co_await ex_.write(frames_);  // (not in the condition: see pipeline/stages/receive.cpp)
    if (!sent) co_return;
  }
  co_await ex_.end_stream();
}

}  // namespace modelmux::surfaces
