// A client surface: one client API's formats, the mirror image of a provider. It decodes the client's
// request into the canonical one and encodes canonical replies, streams and errors back in its own wire.
// Which paths reach it is the route table's business (app/routes.cpp); what happens in between is the
// pipeline's.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "modelmux/chat.hpp"
#include "modelmux/embeddings.hpp"
#include "modelmux/error.hpp"
#include "modelmux/images.hpp"
#include "providers/provider.hpp"

namespace modelmux::pipeline {
class Context;
}

namespace modelmux::surfaces {

// Canonical stream events into a client's stream frames (SSE for every surface so far).
class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  virtual void encode(const StreamEvent& ev, std::string& out) = 0;
  // The frames that close a stream that ended well (message_stop, data: [DONE], ...).
  virtual void finish(std::string& out) = 0;
  // The frames that end a stream in error, when the encoder writes its own (numbered events); false leaves it
  // to the surface's stream_error.
  virtual bool fail(const Error&, std::string&) { return false; }
};

struct ErrorReply {
  unsigned status;
  std::string body;
};

// What the pipeline asks of whoever sent the request: the library's caller as much as a client's API.
class Surface {
 public:
  virtual ~Surface() = default;
  virtual std::string_view name() const = 0;
  // The wire its bodies are in: a target whose provider speaks it gets the client's body as it is.
  virtual providers::Wire wire() const = 0;

  // The decode stage's part: ctx.fields (the parsed body) and the route's path parameters into the canonical
  // request of ctx.op (ctx.chat, ctx.embeddings or ctx.images). Errors name the field.
  virtual Result<void> decode(pipeline::Context& ctx) const = 0;

  // On the pass-through path: whether a same-wire whole reply can go to the client as it came, or must be
  // decoded and encoded again (an OpenAI-compatible server that ignored encoding_format).
  virtual bool relays_as_is(const pipeline::Context&, std::string_view) const { return true; }
  // On the pass-through path: the body `target` gets when it is not the client's as it came (a Responses
  // request whose earlier turns that upstream does not hold); nullopt sends ctx.body.
  virtual std::optional<std::string> passthrough_body(const pipeline::Context&,
                                                      const providers::Target&) const {
    return std::nullopt;
  }
  // On the pass-through path: the surface's own watcher of the reply, when the provider's would not
  // understand it (a Responses reply from an OpenAI upstream); null leaves it to the provider.
  virtual std::unique_ptr<providers::ReplyObserver> reply_observer(const pipeline::Context&, bool) const {
    return nullptr;
  }
  // On the pass-through path: the decoder of a stream in the surface's wire, where the provider's reads
  // another (it tells when a held stream's content begins, and its errors); null leaves it to the provider.
  virtual std::unique_ptr<providers::StreamDecoder> passthrough_stream_decoder() const { return nullptr; }
};

// A client API reached over HTTP: it also encodes what goes back, in its own wire.
class ClientSurface : public Surface {
 public:
  // Whole replies, by operation. A surface is only routed the operations it serves.
  virtual std::string encode_chat(const pipeline::Context& ctx) const = 0;
  virtual std::string encode_embeddings(const pipeline::Context& ctx) const;
  virtual std::string encode_images(const pipeline::Context& ctx) const;
  virtual std::unique_ptr<StreamEncoder> stream_encoder(const pipeline::Context& ctx) const = 0;

  // The one place an Error becomes this surface's error body; and the frame that ends a stream in error.
  virtual ErrorReply encode_error(const Error& err) const = 0;
  virtual std::string stream_error(const Error& err) const = 0;
};

}  // namespace modelmux::surfaces
