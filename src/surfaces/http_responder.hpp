// The pipeline's answer on a client's HTTP connection, in its surface's format: whole replies with the
// routing headers (x-modelmux-target, -attempts, -cost), streams as SSE, errors as the surface's bodies.
#pragma once

#include <memory>
#include <string>

#include "http/exchange.hpp"
#include "pipeline/responder.hpp"
#include "surfaces/surface.hpp"

namespace modelmux::surfaces {

class HttpResponder final : public pipeline::Responder {
 public:
  HttpResponder(http::Exchange& ex, const ClientSurface& surface) : ex_(ex), surface_(surface) {}

  boost::asio::awaitable<void> respond(pipeline::Context& ctx) override;
  bool respond_at_once(pipeline::Context& ctx) override;
  boost::asio::awaitable<bool> begin_stream(pipeline::Context& ctx) override;
  boost::asio::awaitable<bool> stream_bytes(pipeline::Context& ctx, std::string_view bytes) override;
  boost::asio::awaitable<bool> stream_events(pipeline::Context& ctx,
                                             std::span<const StreamEvent> events) override;
  boost::asio::awaitable<void> end_stream(pipeline::Context& ctx) override;
  void watch() override { ex_.watch_client(); }
  void unwatch() override { ex_.unwatch_client(); }
  Interruption interrupted() const override { return static_cast<Interruption>(ex_.interrupted()); }
  bool streaming() const override { return ex_.streaming(); }
  unsigned status() const override { return ex_.status(); }

 private:
  http::Exchange& ex_;
  const ClientSurface& surface_;
  std::unique_ptr<StreamEncoder> encoder_;
  std::string frames_;  // encoded events, reused from write to write
};

// An error in `surface`'s shape, as a whole response (Retry-After when the error has one, retry-after-ms
// when the exact wait is known). `err` must outlive the awaitable.
boost::asio::awaitable<void> respond_error(http::Exchange& ex, const ClientSurface& surface, const Error& err,
                                           std::int64_t retry_after_ms = 0);

// USD as a header value: fixed-point, up to 10 decimals, no trailing zeros ("0.0001275").
std::string format_usd(double usd);

}  // namespace modelmux::surfaces
