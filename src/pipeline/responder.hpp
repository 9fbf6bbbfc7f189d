// Where a pipeline's answer goes: a client's connection, in its surface's format (surfaces/http_responder),
// or the caller of the library (lib/). The stages say what to send and when; the responder says how.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <span>
#include <string_view>

#include "modelmux/chat.hpp"

namespace modelmux::pipeline {

class Context;

class Responder {
 public:
  virtual ~Responder() = default;
  // A whole answer: the reply in ctx (a pass-through body, or the canonical reply of ctx.op), or ctx.error.
  virtual boost::asio::awaitable<void> respond(Context& ctx) = 0;
  // The same without waiting, when it need not: true when the answer is out (or its client gone). False
  // when respond() must run: to send it, or what of it the client's socket did not take yet.
  virtual bool respond_at_once(Context&) { return false; }
  // A stream: begun once, then its pieces (the upstream's own bytes on the pass-through path, canonical
  // events otherwise), then its end, which carries ctx.error when the stream failed under way. Each returns
  // false when the client has gone.
  virtual boost::asio::awaitable<bool> begin_stream(Context& ctx) = 0;
  virtual boost::asio::awaitable<bool> stream_bytes(Context& ctx, std::string_view bytes) = 0;
  virtual boost::asio::awaitable<bool> stream_events(Context& ctx, std::span<const StreamEvent> events) = 0;
  virtual boost::asio::awaitable<void> end_stream(Context& ctx) = 0;

  // Whoever asked is watched while the attempts wait on upstreams: a client closing its connection then
  // interrupts them. interrupted() says whether something did: the client leaving, or the server shutting
  // down (whose grace period ran out).
  enum class Interruption : std::uint8_t { none, client_gone, shutdown };
  virtual void watch() {}
  virtual void unwatch() {}
  virtual Interruption interrupted() const { return Interruption::none; }

  virtual bool streaming() const = 0;
  // The status the answer went out with (0 before it did).
  virtual unsigned status() const = 0;
};

}  // namespace modelmux::pipeline
