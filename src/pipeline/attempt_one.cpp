// One attempt: see attempt_one.hpp. Its coroutines keep little in their frames and leave the work between
// awaits to plain functions: a GCC coroutine frame keeps every local, and one past the 1 KiB that operator
// new's per-thread cache keeps (app/allocator.cpp) costs a glibc malloc and free per request.
#include "pipeline/attempt_one.hpp"

#include <fmt/format.h>

#include <boost/asio/this_coro.hpp>

#include "core/json_util.hpp"
#include "pipeline/governed.hpp"
#include "pipeline/responder.hpp"
#include "surfaces/surface.hpp"

namespace modelmux::pipeline {

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// A reply that first gives back the bytes read while the attempt was checked, then reads on.
class ReplayReply final : public http::Reply {
 public:
  ReplayReply(std::unique_ptr<http::Reply> inner, std::string head, bool inner_done)
      : inner_(std::move(inner)), head_(std::move(head)), inner_done_(inner_done) {}
  int status() const override { return inner_->status(); }
  std::string_view header(std::string_view name) const override { return inner_->header(name); }
  asio::awaitable<Result<std::string>> read_all(std::size_t limit) override {
    Result<std::string> whole;
    if (whole_if_here(whole, limit)) co_return whole;
    co_return co_await http::Reply::read_all(limit);
  }
  bool whole_if_here(Result<std::string>& out, std::size_t limit) override {
    // A whole body read during the check is handed over, not copied.
    if (!inner_done_ || head_sent_) return false;
    head_sent_ = true;
    if (head_.size() > limit)
      out = fail(ErrorCode::upstream_error, "the upstream's reply is too large");
    else
      out = std::move(head_);
    return true;
  }
  asio::awaitable<Result<std::string_view>> read_some() override {
    if (!head_sent_) {
      head_sent_ = true;
      if (!head_.empty()) co_return std::string_view(head_);
    }
    if (inner_done_) co_return std::string_view();
    co_return co_await inner_->read_some();
  }

 private:
  std::unique_ptr<http::Reply> inner_;
  std::string head_;
  bool inner_done_;
  bool head_sent_ = false;
};

std::string shorten(std::string_view s) {
  return std::string(s.substr(0, 200));
}

bool content_event(const StreamEvent& ev) {
  // Reasoning counts: once the model's thinking reaches the client, a fallback would no longer be invisible.
  return ((ev.kind == StreamEvent::Kind::text_delta || ev.kind == StreamEvent::Kind::reasoning_delta) &&
          !ev.text.empty()) ||
         ev.kind == StreamEvent::Kind::tool_call_delta || ev.kind == StreamEvent::Kind::finish;
}

// Errors that say something about the request rather than the target: they neither trip the breaker nor
// move on (except for the two with their own fallbacks).
bool blames_request(const Error& e) {
  return !e.retryable;
}

constexpr std::size_t kMaxHeldBytes = 1u << 20;

// What reads a stream's events while it is held: the surface's own decoder for a body passed through in a
// wire the provider does not decode (a Responses stream from OpenAI), else the provider's.
std::unique_ptr<providers::StreamDecoder> stream_decoder(const Context& ctx,
                                                         const providers::Target& target) {
  if (!ctx.chat.stream) return nullptr;
  if (passes_through(ctx, target))
    if (auto own = ctx.surface.passthrough_stream_decoder()) return own;
  return target.provider->stream_decoder(ctx.chat);
}

// A whole 2xx body, read: kept as the attempt's answer, or replaced by its failure.
void check_whole(Result<std::string>& body, bool& ended) {
  if (!body) return;
  ended = true;
  // A cut or garbled body rarely ends where a JSON document does; checking its two ends costs nothing,
  // where a full syntax check would be a tenth of the pass-through path's CPU.
  if (!json_util::looks_whole(*body))
    body = fail(ErrorCode::upstream_error, "the upstream's reply is not a whole JSON document");
}

// Reads the start of a 2xx reply: a stream up to its first content (`decoder` reads its events), a whole
// body otherwise. A failure here (an error event in the stream, a cut, a malformed body) is the attempt's
// failure.
asio::awaitable<Result<std::string>> check_reply(http::Reply& reply,
                                                 std::unique_ptr<providers::StreamDecoder> decoder,
                                                 const ChatRequest& req, bool& ended) {
  if (!req.stream) {
    auto body = co_await reply.read_all();
    check_whole(body, ended);
    co_return body;
  }
  std::vector<StreamEvent> events;
  std::string head;
  for (;;) {
    auto piece = co_await reply.read_some();
    if (!piece) co_return std::unexpected(piece.error());
    bool end = piece->empty();
    auto fed = end ? decoder->finish(events) : decoder->feed(*piece, events);
    if (!fed) {
      Error e = fed.error();
      // Nothing has reached the client yet: any failure here may go to another target.
      if (e.code != ErrorCode::context_length && e.code != ErrorCode::content_filter) e.retryable = true;
      co_return std::unexpected(std::move(e));
    }
    head.append(*piece);
    // An upstream may send comments or empty deltas before any content, forever; what is held for replay
    // is bounded, and such an upstream fails like any other (the client has seen nothing yet).
    if (head.size() > kMaxHeldBytes)
      co_return fail(ErrorCode::upstream_error,
                     fmt::format("the upstream sent over {} KiB before any content", kMaxHeldBytes >> 10));
    if (end) {
      ended = true;
      co_return head;
    }
    for (const auto& ev : events)
      if (content_event(ev)) co_return head;
    events.clear();
  }
}

// Why an attempt was cancelled, for its record.
std::string_view cancelled_because(const Context& ctx) {
  switch (ctx.out.interrupted()) {
    case Responder::Interruption::client_gone:
      return "the client closed its connection";
    case Responder::Interruption::shutdown:
      return "the gateway shut down";
    case Responder::Interruption::none:
      break;
  }
  return "lost the hedge";
}

// A probe whose attempt is cancelled (a lost hedge) must give its slot back.
struct ProbeSlot {
  routing::Breaker* b = nullptr;
  ProbeSlot() = default;
  ProbeSlot(const ProbeSlot&) = delete;
  ProbeSlot& operator=(const ProbeSlot&) = delete;
  ~ProbeSlot() {
    if (b) b->abandon_probe();
  }
};

// What one attempt holds while its request is out. attempt_one keeps only this and the results of its
// awaits in its frame; what is computed between them lives in the plain functions below: a GCC coroutine
// frame keeps every local, and one past the 1 KiB operator new's cache keeps costs a glibc malloc and free.
struct Outgoing {
  const providers::Target* target;
  const routing::TargetInfo* info;
  ProbeSlot slot;
  bool probe = false;
  governance::Hold hold;  // governance: the worst case reserved against budgets and quota
  std::optional<std::int64_t> max_tokens;
  // (a Target is large: copied only when a cap applies, and on the heap)
  std::unique_ptr<providers::Target> capped;
  const providers::Target* sent_to = nullptr;  // the target, or its capped copy
  routing::InFlight in_flight;
  Clock::time_point started;
  std::chrono::microseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  }
};

// The request for one attempt, after the breaker and governance let it go; an error when they do not.
Result<http::ClientRequest> prepare(const Context& ctx, Outgoing& out, const BuildRequest& build,
                                    observability::AttemptRecord& rec) {
  const auto& rt = ctx.rt;
  const auto& target = *out.target;
  auto& stats = *out.info->stats;
  rec.target = target.label;
  auto admit = stats.breaker.admit(rt.router.clock().now());
  if (admit == routing::Breaker::Admit::no) {
    rec.error = "circuit_open";
    return fail(ErrorCode::unavailable, fmt::format("circuit open for {}", target.label));
  }
  out.probe = admit == routing::Breaker::Admit::probe;
  if (out.probe) out.slot.b = &stats.breaker;
  // Governance: the worst case reserved against the request's budgets and the target's quota first.
  if (rt.governor) {
    auto held = reserve_attempt(ctx, target, *out.info, out.max_tokens);
    if (!held) {
      rec.error = std::string(to_string(held.error().code));
      rec.reason = shorten(held.error().message);
      return std::unexpected(std::move(held.error()));
    }
    out.hold = std::move(*held);
  }
  auto request = build(ctx, target, out.max_tokens);
  if (!request) return request;
  if (target.live) ctx.gov.credential = target.live->name;
  request->abortable = &ctx.upstream_calls;
  out.in_flight = routing::InFlight(&stats);
  out.started = Clock::now();
  // The per-attempt timeout caps the target's own first-byte timeout.
  out.sent_to = &target;
  if (const auto& limit = rt.config.routing.retries.attempt_timeout;
      limit && *limit < target.timeouts.first_byte) {
    out.capped = std::make_unique<providers::Target>(target);
    out.capped->timeouts.first_byte = *limit;
    out.sent_to = out.capped.get();
  }
  return request;
}

// The attempt answered: its statistics, and the answer that replays what was read while it was checked.
Answer answered(const Context& ctx, Outgoing& out, std::unique_ptr<http::Reply> reply, std::string head,
                bool ended, observability::AttemptRecord& rec) {
  rec.latency = out.elapsed();
  out.slot.b = nullptr;
  out.info->stats->on_success(ctx.rt.router.clock().now(), static_cast<double>(rec.latency.count()),
                              out.probe);
  Answer a;
  a.target = out.target;
  a.info = out.info;
  a.reply = std::make_unique<ReplayReply>(std::move(reply), std::move(head), ended);
  a.sent = out.started;
  a.in_flight = std::move(out.in_flight);
  a.hold = std::move(out.hold);
  a.capped_max_tokens = out.max_tokens.value_or(0);
  return a;
}

// An upstream's non-2xx reply as an error in its provider's words, into `err` (not returned: a returned
// Error would take room in the caller's frame).
asio::awaitable<void> error_reply(http::Reply& reply, const providers::Provider& provider, Error& err) {
  auto body = co_await reply.read_all(1u << 20);
  err = provider.map_error_reply(reply, body ? std::string_view(*body) : "");
}

// The attempt failed: its error worded, recorded, and fed to the target's statistics and breaker.
Error failed(const Context& ctx, Outgoing& out, Error err, bool hedge_lost,
             observability::AttemptRecord& rec) {
  const auto& target = *out.target;
  // The gateway's own words (network failures, timeouts) name the target they concern; an upstream's own are
  // bounded and scrubbed of secrets and internals before anyone sees them.
  if (err.provider.empty()) {
    err.provider = std::string(target.provider->name());
    err.message = fmt::format("{}: {}", target.label, err.message);
  } else {
    err.message = ctx.rt.redactor.upstream_message(
        err.message, fmt::format("{} failed ({})", target.label, to_string(err.code)));
  }
  // A cancelled attempt (the loser of a hedge, or an interrupted request's) says nothing of the target: no
  // failure is counted, and a probe's slot goes back (ProbeSlot).
  if (hedge_lost || ctx.out.interrupted() != Responder::Interruption::none) {
    rec.error = "cancelled";
    rec.reason = cancelled_because(ctx);
    rec.latency = out.elapsed();
    return err;
  }
  rec.error = std::string(to_string(err.code));
  rec.reason = shorten(err.message);
  rec.latency = out.elapsed();
  out.slot.b = nullptr;
  auto& stats = *out.info->stats;
  auto now = ctx.rt.router.clock().now();
  if (blames_request(err))
    stats.breaker.on_success(now, out.probe);  // the target answered
  else
    stats.on_failure(now, err.code, out.probe);
  return err;
}

// The request sent and the start of its reply checked: the answer, or the failure fed to the target's
// statistics. (A coroutine apart from attempt_one, which holds the request, so that neither frame passes the
// 1 KiB operator new's cache keeps.)
asio::awaitable<Result<Answer>> exchange(const Context& ctx, Outgoing& out, http::ClientRequest& request,
                                         observability::AttemptRecord& rec) {
  const auto& provider = *out.target->provider;
  auto reply = co_await provider.send(*out.sent_to, std::move(request));
  // The checked start of a 2xx reply, or why the attempt failed. (One Error-sized local for both, and no
  // other: the frame stays within the 1 KiB operator new's cache keeps.)
  Result<std::string> head = std::unexpected(Error{});
  bool ended = false;
  if (!reply) {
    head = std::unexpected(std::move(reply.error()));
  } else if (rec.status = (*reply)->status(); rec.status < 200 || rec.status >= 300) {
    co_await error_reply(**reply, provider, head.error());
  } else if (!ctx.chat.stream && (*reply)->whole_if_here(head)) {
    // (A whole body already here is checked without a coroutine: most replies come in one read.)
    check_whole(head, ended);
  } else {
    head = co_await check_reply(**reply, stream_decoder(ctx, *out.target), ctx.chat, ended);
  }
  if (head) co_return answered(ctx, out, std::move(*reply), std::move(*head), ended, rec);
  bool hedge_lost =
      (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
  co_return std::unexpected(failed(ctx, out, std::move(head.error()), hedge_lost, rec));
}

}  // namespace

asio::awaitable<Result<Answer>> attempt_one(const Context& ctx, Attempt at, BuildRequest build,
                                            observability::AttemptRecord& rec) {
  Outgoing out{.target = at.target, .info = at.info};
  auto request = prepare(ctx, out, build, rec);
  if (!request) co_return std::unexpected(std::move(request.error()));
  co_return co_await exchange(ctx, out, *request, rec);
}

}  // namespace modelmux::pipeline
