#include "surfaces/http_responder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "pipeline/context.hpp"

namespace modelmux::surfaces {
namespace {

namespace asio = boost::asio;

// A duration as OpenAI writes it in x-ratelimit-reset-*: "20ms", "1.5s", "6m0s"; written at `out`, which
// has room for 24 characters (it writes 19 at most). Returns its end.
char* go_duration(char* out, std::int64_t ms) {
  auto num = [](char* at, std::int64_t v) { return std::to_chars(at, at + 20, v).ptr; };
  if (ms < 1000) {
    out = num(out, ms);
    *out++ = 'm';
  } else if (ms < 60'000) {
    out = num(out, ms / 1000);
    if (std::int64_t frac = ms % 1000) {
      *out++ = '.';
      *out++ = static_cast<char>('0' + frac / 100);
      *out++ = static_cast<char>('0' + frac / 10 % 10);
      *out++ = static_cast<char>('0' + frac % 10);
      while (out[-1] == '0') --out;
    }
  } else {
    out = num(out, ms / 60'000);
    *out++ = 'm';
    out = num(out, (ms % 60'000) / 1000);
  }
  *out++ = 's';
  return out;
}

// The headers a routed answer or a refusal carries; their values are written into `text_`, which must
// outlive the views. (No std::string per value: the answer's headers are on every request's path.)
class Headers {
 public:
  // A value of at most 24 characters (a number, a duration, an amount in USD: all the callers have).
  void add(std::string_view name, std::string_view value) {
    value = value.substr(0, kValueMax);
    char* at = text_.data() + used_;
    std::copy(value.begin(), value.end(), at);
    commit(name, at, at + value.size());
  }
  void add_number(std::string_view name, std::int64_t v) {
    char* at = text_.data() + used_;
    commit(name, at, std::to_chars(at, at + kValueMax, v).ptr);
  }
  void add_view(std::string_view name, std::string_view value) { views_[count_++] = {name, value}; }
  http::HeaderViews list() const { return {views_.data(), count_}; }

  // Where the answer came from, and what it cost (whole answers: a stream's cost is known at its end).
  void route(const pipeline::Context& ctx, bool with_cost) {
    const auto& answer = *ctx.answer;
    add_view("x-modelmux-target", answer.target->label);
    add_number("x-modelmux-attempts", static_cast<std::int64_t>(ctx.record.attempts.size()));
    if (with_cost && ctx.cost_usd) add("x-modelmux-cost", format_usd(*ctx.cost_usd));
    if (answer.capped_max_tokens) add_number("x-modelmux-max-tokens-capped", answer.capped_max_tokens);
  }
  // The tightest rate limits the request fit, as OpenAI names them. Six headers on every governed answer,
  // rendered here as whole lines (lines()): names and numbers only, so nothing to scrub, and no views for
  // the head to copy one by one (~1.4k instructions a request, as views).
  void rate_limits(const governance::Ticket& t) {
    char* p = lines_.data();
    // String literals, whose sizes are known where they are copied: the copies are inlined, not calls.
    auto put = [&p]<std::size_t N>(const char(&literal)[N]) {
      std::memcpy(p, literal, N - 1);
      p += N - 1;
    };
    auto number = [&p](std::int64_t v) { p = std::to_chars(p, p + 20, v).ptr; };
    auto trio = [&](const auto& limit, const auto& remaining, const auto& reset,
                    const governance::RateState& r) {
      put(limit);
      number(r.limit);
      put(remaining);
      number(r.remaining);
      put(reset);
      p = go_duration(p, r.reset_in);
      put("\r\n");
    };
    if (t.requests.set)
      trio("x-ratelimit-limit-requests: ", "\r\nx-ratelimit-remaining-requests: ",
           "\r\nx-ratelimit-reset-requests: ", t.requests);
    if (t.tokens.set)
      trio("x-ratelimit-limit-tokens: ", "\r\nx-ratelimit-remaining-tokens: ",
           "\r\nx-ratelimit-reset-tokens: ", t.tokens);
    lines_size_ = static_cast<std::size_t>(p - lines_.data());
  }
  std::string_view lines() const { return {lines_.data(), lines_size_}; }

 private:
  static constexpr std::size_t kMax = 6, kValueMax = 24;  // (route's four, or an error's three)
  void commit(std::string_view name, const char* begin, const char* end) {
    views_[count_++] = {name, std::string_view(begin, static_cast<std::size_t>(end - begin))};
    used_ += static_cast<std::size_t>(end - begin);
  }
  std::array<http::HeaderView, kMax> views_;
  std::array<char, kMax * kValueMax> text_;  // every header's value fits, whatever the mix
  std::size_t used_ = 0;
  std::size_t count_ = 0;
  std::array<char, 320> lines_;  // rate_limits(): two trios of at most 155 bytes
  std::size_t lines_size_ = 0;
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

namespace {

// An error's headers: when to retry (Retry-After in whole seconds, retry-after-ms exactly when known), or
// that retrying will not help (a budget: x-should-retry, which the official SDKs obey).
void error_headers(Headers& h, const Error& err, std::int64_t retry_after_ms) {
  if (err.retry_after) h.add_number("retry-after", err.retry_after->count());
  if (err.retry_after && retry_after_ms > 0) h.add_number("retry-after-ms", retry_after_ms);
  if (err.code == ErrorCode::budget_exceeded) h.add_view("x-should-retry", "false");
}

}  // namespace

asio::awaitable<void> respond_error(http::Exchange& ex, const ClientSurface& surface, const Error& err,
                                    std::int64_t retry_after_ms) {
  ErrorReply reply = surface.encode_error(err);
  Headers h;
  error_headers(h, err, retry_after_ms);
  co_await ex.respond(reply.status, "application/json", std::move(reply.body), h.list());
}

namespace {

// A routed answer, whole, written as far as the client's socket takes it now: true when all of it went (or
// the client is gone); else the rest is pending on the exchange.
bool send_answer(http::Exchange& ex, const ClientSurface& surface, pipeline::Context& ctx) {
  std::string body;
  if (ctx.passthrough) {
    body = std::move(ctx.reply_body);
  } else {
    switch (ctx.op) {
      case pipeline::Operation::chat:
        body = surface.encode_chat(ctx);
        break;
      case pipeline::Operation::embeddings:
        body = surface.encode_embeddings(ctx);
        break;
      case pipeline::Operation::images:
        body = surface.encode_images(ctx);
        break;
    }
  }
  Headers headers;
  headers.route(ctx, /*with_cost=*/true);
  headers.rate_limits(ctx.gov);
  return ex.respond_now(200, "application/json", std::move(body), headers.list(), headers.lines());
}

asio::awaitable<void> send_rest(http::Exchange& ex) {
  if (ex.pending()) co_await ex.respond_rest();
}

}  // namespace

// (plain functions: the coroutine, when there is one, is the error's or the rest's)
bool HttpResponder::respond_at_once(pipeline::Context& ctx) {
  return !ctx.error && send_answer(ex_, surface_, ctx);
}

asio::awaitable<void> HttpResponder::respond(pipeline::Context& ctx) {
  if (ctx.error) return respond_error(ex_, surface_, *ctx.error, ctx.gov.retry_after_ms);
  if (!ex_.pending()) send_answer(ex_, surface_, ctx);  // (after respond_at_once, only the rest is left)
  return send_rest(ex_);
}

asio::awaitable<bool> HttpResponder::begin_stream(pipeline::Context& ctx) {
  if (!ctx.passthrough) encoder_ = surface_.stream_encoder(ctx);
  // A stream's cost is known only at its end: it goes to the access log, not a header.
  Headers headers;
  headers.route(ctx, /*with_cost=*/false);
  headers.rate_limits(ctx.gov);
  co_return co_await ex_.begin_stream(200, "text/event-stream", headers.list(), headers.lines());
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
  if (ctx.error) {
    if (!encoder_ || !encoder_->fail(*ctx.error, frames_)) frames_ = surface_.stream_error(*ctx.error);
  } else if (encoder_)
    encoder_->finish(frames_);
  if (!frames_.empty()) {
    bool sent = co_await ex_.write(frames_);  // (not in the condition: see pipeline/stages/receive.cpp)
    if (!sent) co_return;
  }
  co_await ex_.end_stream();
}

}  // namespace modelmux::surfaces
