// One request's state on its way through the pipeline: what came in, the canonical request, the plan, the
// answer, its usage and cost, and the access record. The stages read and fill it in order (stages.cpp);
// nothing about a request lives anywhere else.
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/json_scan.hpp"
#include "governance/governor.hpp"
#include "http/message.hpp"
#include "modelmux/chat.hpp"
#include "modelmux/embeddings.hpp"
#include "modelmux/images.hpp"
#include "observability/access_log.hpp"
#include "pipeline/runtime.hpp"
#include "routing/router.hpp"

namespace modelmux::surfaces {
class Surface;
}

namespace modelmux::pipeline {

class Responder;

// The target that answered, and its reply.
struct Answer {
  const providers::Target* target = nullptr;
  const routing::TargetInfo* info = nullptr;  // its price table entry and live statistics
  // Status 2xx. For a stream, it replays the bytes read while waiting for the first content, then reads
  // on; otherwise it holds the whole body, already checked to be well-formed JSON.
  std::unique_ptr<http::Reply> reply;
  std::chrono::steady_clock::time_point sent;
  routing::InFlight in_flight;         // the target counts this request until the answer is dropped
  governance::Hold hold;               // its budget reservation, settled to the cost (governance only)
  std::int64_t capped_max_tokens = 0;  // a budget lowered the request's max_tokens to this
};

// What a surface keeps of a request between decoding it and encoding its answer (the Responses surface's
// input items and the fields its response repeats).
struct SurfaceState {
  virtual ~SurfaceState() = default;
};

// What a request asks for; each has its canonical request and reply types.
enum class Operation : std::uint8_t { chat, embeddings, images };
std::string_view to_string(Operation op);

class Context {
  // The parsed body's tree lives here: most fit in the buffer, larger ones spill to the heap; all of it is
  // freed at once. (First, so that it outlives `json`.)
  unsigned char arena_buffer_[2048];
  boost::json::monotonic_resource arena_{arena_buffer_, sizeof arena_buffer_};

 public:
  Context(const Runtime& runtime, const surfaces::Surface& surface, Operation operation, Responder& responder)
      : rt(runtime), surface(surface), op(operation), out(responder) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Who asked, and how.
  const Runtime& rt;
  const surfaces::Surface& surface;
  const Operation op;
  Responder& out;
  std::string_view request_id;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  const http::HeaderList* headers = nullptr;  // null for library calls
  std::string_view query;                     // the URL's query string (Gemini clients may put `key=` there)
  // What the route said beyond the surface and operation: a surface's variant of the operation (Gemini's
  // "streamGenerateContent") and a model named in the path rather than the body.
  std::string_view action;
  std::string model_in_path;

  // The client's request. `body` is what pass-through forwards: the bytes as sent, or re-serialized once
  // fields meant for the gateway (`strategy`) were taken out. `fields` is the body's top-level object (the
  // library's `extra` for library calls), where preferences and provider options are read.
  std::string_view body;
  std::string rewritten_body;
  std::optional<json_scan::Span> model_at;  // `model`'s value in `body`, when the decode scan saw it there
  boost::json::value json =
      boost::json::value(boost::json::storage_ptr(&arena_));  // the parsed body, in the arena
  boost::json::object* fields = nullptr;
  routing::Preferences prefs;
  // Governance (when the runtime has it): who sent the request and what it holds.
  governance::Ticket gov;

  // The canonical request. For embeddings and images, `chat` is the stand-in that routing and the attempts
  // stage plan with (the model and the text as one user message). What only one operation uses is made
  // only for it.
  ChatRequest chat;
  std::optional<EmbeddingsRequest> embeddings;
  std::optional<ImageRequest> images;
  // What the client's body holds that the canonical request cannot (a Gemini client's PDF part): only a
  // target of the surface's own wire, which gets the body as it is, can serve it; the others answer this.
  std::optional<Error> same_wire_only;
  std::unique_ptr<SurfaceState> surface_state;

  // Route and attempts. `upstream_calls` lets an interruption (the client leaving, a shutdown) abort the
  // upstream exchanges under way; it outlives the answer, whose connection is one of them.
  std::optional<routing::Plan> plan;
  mutable http::Abortable upstream_calls;
  std::optional<Answer> answer;
  bool passthrough = false;  // the answering target speaks the surface's wire: bytes go back as they came

  // The answer: a pass-through body as the upstream sent it, or the canonical reply of the operation.
  std::string reply_body;
  ChatResponse chat_reply;
  std::optional<EmbeddingsResponse> embeddings_reply;
  std::optional<ImageResponse> images_reply;
  std::optional<Usage> usage;
  std::optional<double> cost_usd;

  // The outcome. After `error` is set only the stages that run on every exit run.
  std::optional<Error> error;
  bool client_gone = false;  // the client closed its connection before the answer was complete
  observability::AccessRecord record;
  bool logged = false;

  void fail(Error e) {
    if (!error) error = std::move(e);
  }
  bool failed() const { return error.has_value(); }

  boost::json::monotonic_resource& arena() { return arena_; }
};

inline std::chrono::microseconds since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t);
}

// Whether `target` gets the client's body as it is (it speaks the surface's wire): the pass-through path.
bool passes_through(const Context& ctx, const providers::Target& target);

// Whether the gateway asks this target for streamed usage the client did not ask for (accounting needs it;
// the reply's observer then hides it from the client).
inline bool adds_stream_usage(const Context& ctx, const providers::Target& target) {
  return ctx.chat.stream && !ctx.chat.include_usage && target.stream_usage;
}

}  // namespace modelmux::pipeline
