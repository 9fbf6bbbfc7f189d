// The canonical chat model: every client surface decodes into it and every provider encodes from it, so N
// surfaces and M providers need N+M codecs. Provider-specific request fields that have no canonical home
// ride along in `extra` and are passed through to upstreams that speak the same wire format.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace modelmux {

enum class Role : std::uint8_t { system, developer, user, assistant, tool };

struct ContentPart {
  // `file`: a document (a PDF, plain text, ...) given inline or by id. `other`: a part of a type the
  // canonical model does not carry (audio, ...), kept so that a target which cannot take it refuses the
  // request instead of dropping the part.
  enum class Kind : std::uint8_t { text, image, file, other } kind = Kind::text;
  std::string text;        // kind == text; kind == other: the part's type
  std::string image_url;   // kind == image: an https URL or a data: URL; kind == file: its data: URL
  std::string media_type;  // kind == image or file, when known (image/png, application/pdf, ...)
  std::string detail;      // kind == image: OpenAI's low / high / auto, empty when unset
  std::string filename;    // kind == file, when given
  std::string file_id;     // kind == file given by reference (a provider's files API)
  std::string source;      // where the part is in the client's request ("messages[0].content[1]"), for errors

  // For an image given as a base64 data URL ("data:<media type>;base64,<data>"): the base64 data, which
  // providers that take bytes send on; empty for a link or any other URL.
  std::string_view base64_data() const;
  // The image's media type: `media_type` when set, else the one a data URL names; empty when unknown.
  std::string_view image_media_type() const;
};

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text, as the model produced it
};

struct Message {
  Role role = Role::user;
  std::vector<ContentPart> content;
  std::vector<ToolCall> tool_calls;  // assistant
  std::string tool_call_id;          // tool
  std::string name;                  // optional participant name
  std::string reasoning;             // assistant: the model's visible thinking, when it shows it

  // All text parts joined; what most providers and the token estimator need.
  std::string text() const;
};

struct Tool {
  std::string name;
  std::string description;
  boost::json::value parameters;  // JSON schema
  bool strict = false;
};

struct ToolChoice {
  enum class Mode : std::uint8_t { unset, auto_, none, required, named } mode = Mode::unset;
  std::string name;  // Mode::named
};

struct ResponseFormat {
  enum class Type : std::uint8_t { text, json_object, json_schema } type = Type::text;
  std::string schema_name;
  boost::json::value schema;
  bool strict = false;
};

struct ChatRequest {
  std::string model;
  std::vector<Message> messages;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::int64_t> max_tokens;
  std::vector<std::string> stop;
  std::optional<std::int64_t> seed;
  std::string user;
  std::string reasoning_effort;
  std::vector<Tool> tools;
  ToolChoice tool_choice;
  std::optional<bool> parallel_tool_calls;
  ResponseFormat response_format;
  boost::json::object extra;  // fields with no canonical home, passed through where the wire allows
};

enum class FinishReason : std::uint8_t { none, stop, length, tool_calls, content_filter };

// Token counts as OpenAI counts them: input_tokens is every prompt token (cache reads and cache writes
// included), output_tokens every generated one (reasoning included); the details say how many of them were
// read from or written to a prompt cache, and how many were reasoning, since providers price them apart.
struct Usage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cached_input_tokens = 0;       // of input_tokens: read from the provider's prompt cache
  std::int64_t cache_write_input_tokens = 0;  // of input_tokens: written to it (Anthropic, Bedrock)
  std::int64_t reasoning_tokens = 0;          // of output_tokens
  std::int64_t total() const { return input_tokens + output_tokens; }
};

struct ChatResponse {
  std::string id;
  std::string model;
  std::int64_t created = 0;
  Message message;  // role assistant
  FinishReason finish_reason = FinishReason::none;
  std::optional<Usage> usage;
  std::optional<double>
      cost_usd;  // set by the gateway: usage x its price table; unset when either is unknown
};

// One streamed happening, in the order the upstream produced it.
struct StreamEvent {
  enum class Kind : std::uint8_t {
    start,
    text_delta,
    tool_call_delta,
    finish,
    usage,
    reasoning_delta
  } kind = Kind::start;
  std::string text;                                 // text_delta, reasoning_delta (the model's thinking)
  int tool_index = 0;                               // tool_call_delta: which call of a parallel set
  std::string tool_id;                              // tool_call_delta: set on the call's first delta
  std::string tool_name;                            // tool_call_delta: set on the call's first delta
  std::string tool_arguments;                       // tool_call_delta: the next piece of the JSON arguments
  FinishReason finish_reason = FinishReason::none;  // finish
  Usage usage;                                      // usage
  std::string id;                                   // start: the upstream's response id
  std::string model;                                // start: the upstream's model
};

std::string_view to_string(Role role);
std::optional<Role> role_from_string(std::string_view s);
std::string_view to_string(FinishReason reason);
FinishReason finish_reason_from_string(std::string_view s);

}  // namespace modelmux
