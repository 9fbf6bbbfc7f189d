// Canonical ChatRequest -> Gemini GenerateContentRequest.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "core/json_util.hpp"
#include "wire/gemini/gemini_json.hpp"
#include "wire/parts.hpp"

namespace json = boost::json;

namespace modelmux::gemini {
namespace {

// Google documents this value for function calls whose signature was lost or never existed (a history
// written by another model, or by a client that rebuilt the calls): Gemini 3 refuses the turn otherwise.
constexpr std::string_view kNoSignature = "skip_thought_signature_validator";

constexpr auto bad = json_util::invalid_field;

// Gemini fetches https links itself (public or signed URLs) but needs their media type up front; only a
// link whose path names an image type it accepts can be passed on.
std::string_view media_type_of_link(std::string_view url) {
  auto end = url.find_first_of("?#");
  std::string path(url.substr(0, end));
  std::transform(path.begin(), path.end(), path.begin(), [](unsigned char c) { return std::tolower(c); });
  if (path.ends_with(".png")) return "image/png";
  if (path.ends_with(".jpg") || path.ends_with(".jpeg")) return "image/jpeg";
  if (path.ends_with(".webp")) return "image/webp";
  if (path.ends_with(".bmp")) return "image/bmp";
  return {};
}

Result<json::object> image_part(const ContentPart& p, std::size_t msg, std::size_t index) {
  std::string param = fmt::format("messages[{}].content[{}].image_url", msg, index);
  const std::string& url = p.image_url;
  if (url.starts_with("data:")) {
    auto data = p.base64_data();
    if (data.empty())
      return bad(param, param + " must be a base64 data URL (data:<media type>;base64,...) or an https link");
    auto media = p.image_media_type();
    if (media.empty()) return bad(param, param + " has no media type");
    return json::object{{"inlineData", json::object{{"mimeType", media}, {"data", data}}}};
  }
  if (!url.starts_with("https://"))
    return bad(param, param + ": Gemini takes images as base64 data URLs or https links");
  auto media = media_type_of_link(url);
  if (media.empty())
    return bad(param, param +
                          ": Gemini needs the media type of a linked image, and this link does not end in "
                          ".png, .jpg, .jpeg, .webp or .bmp; send the image as a base64 data URL instead");
  return json::object{{"fileData", json::object{{"mimeType", media}, {"fileUri", url}}}};
}

// Appends a turn, merging it into the previous one when the roles match (Gemini alternates user and model).
void append_turn(json::array& contents, std::string_view role, json::array parts) {
  if (parts.empty()) return;
  if (!contents.empty()) {
    auto& last = contents.back().as_object();
    if (last.at("role").as_string() == role) {
      auto& have = last["parts"].as_array();
      for (auto& p : parts) have.push_back(std::move(p));
      return;
    }
  }
  contents.push_back(json::object{{"role", role}, {"parts", std::move(parts)}});
}

// Gemini names the function a result belongs to; the OpenAI tool message only names the call's id.
const ToolCall* call_answered_by(const ChatRequest& req, std::size_t tool_msg) {
  const std::string& id = req.messages[tool_msg].tool_call_id;
  for (std::size_t k = tool_msg; k-- > 0;)
    for (const auto& c : req.messages[k].tool_calls)
      if (c.id == id) return &c;
  return nullptr;
}

// A tool's output: a JSON object is passed as the response itself, anything else as its "output" key.
json::object function_response(const Message& m, std::string_view name) {
  std::string text = m.text();
  boost::system::error_code ec;
  json::value v = json_util::parse(text, ec);
  json::object response = !ec && v.is_object() ? std::move(v.as_object()) : json::object{{"output", text}};
  return {{"functionResponse", json::object{{"name", name}, {"response", std::move(response)}}}};
}

Result<json::array> model_parts(const Message& m, std::size_t i) {
  json::array parts;
  for (const auto& p : m.content)
    if (p.kind == ContentPart::Kind::text && !p.text.empty()) parts.push_back(json::object{{"text", p.text}});
  bool signed_turn = false;
  std::size_t first_call = parts.size();
  for (std::size_t k = 0; k < m.tool_calls.size(); ++k) {
    const auto& c = m.tool_calls[k];
    auto args = json_util::arguments_object(c.arguments);
    if (!args) {
      std::string param = fmt::format("messages[{}].tool_calls[{}].function.arguments", i, k);
      return bad(param, param + " is not a JSON object");
    }
    json::object part{{"functionCall", json::object{{"name", c.name}, {"args", std::move(*args)}}}};
    if (auto sig = thought_signature_of(c.id); !sig.empty()) {
      part["thoughtSignature"] = sig;
      signed_turn = true;
    }
    parts.push_back(std::move(part));
  }
  if (!m.tool_calls.empty() && !signed_turn) parts[first_call].as_object()["thoughtSignature"] = kNoSignature;
  return parts;
}

// OpenAI's reasoning_effort as Gemini's thinkingConfig: Gemini 2.x takes a token budget, later models a level
// (they cannot switch thinking off: "none" asks for the least).
Result<json::object> thinking_config(std::string_view effort, std::string_view model) {
  static constexpr std::string_view kEfforts[] = {"none", "minimal", "low", "medium", "high", "xhigh"};
  static constexpr int kBudgets[] = {0, 1024, 1024, 8192, 24576, 24576};
  static constexpr std::string_view kLevels[] = {"minimal", "minimal", "low", "medium", "high", "high"};
  auto it = std::find(std::begin(kEfforts), std::end(kEfforts), effort);
  if (it == std::end(kEfforts))
    return bad("reasoning_effort", "reasoning_effort must be none, minimal, low, medium, high or xhigh");
  auto n = it - std::begin(kEfforts);
  if (model.find("gemini-2") != std::string_view::npos) return json::object{{"thinkingBudget", kBudgets[n]}};
  return json::object{{"thinkingLevel", kLevels[n]}};
}

std::optional<double> number_in(const json::object& extra, std::string_view key) {
  if (auto* v = extra.if_contains(key)) {
    if (v->is_double()) return v->get_double();
    if (v->is_int64()) return static_cast<double>(v->get_int64());
  }
  return std::nullopt;
}

Result<json::object> generation_config(const ChatRequest& req, std::string_view model) {
  json::object g;
  if (req.temperature) g["temperature"] = *req.temperature;
  if (req.top_p) g["topP"] = *req.top_p;
  if (req.max_tokens) g["maxOutputTokens"] = *req.max_tokens;
  if (!req.stop.empty()) {
    json::array stops;
    for (const auto& s : req.stop) stops.emplace_back(s);
    g["stopSequences"] = std::move(stops);
  }
  if (req.seed) g["seed"] = *req.seed;
  if (auto* n = req.extra.if_contains("n"); n && !n->is_null()) {
    // The canonical reply carries one choice, so more candidates would be paid for and dropped.
    if (!n->is_int64() || n->get_int64() != 1) return bad("n", "n must be 1 for a Gemini target");
    g["candidateCount"] = 1;
  }
  if (auto v = number_in(req.extra, "presence_penalty")) g["presencePenalty"] = *v;
  if (auto v = number_in(req.extra, "frequency_penalty")) g["frequencyPenalty"] = *v;
  switch (req.response_format.type) {
    case ResponseFormat::Type::text:
      break;
    case ResponseFormat::Type::json_object:
      g["responseMimeType"] = "application/json";
      break;
    case ResponseFormat::Type::json_schema:
      // responseJsonSchema takes standard JSON Schema; responseSchema is Google's OpenAPI subset.
      g["responseMimeType"] = "application/json";
      g["responseJsonSchema"] = req.response_format.schema.is_null()
                                    ? json::value(json::object{{"type", "object"}})
                                    : req.response_format.schema;
      break;
  }
  if (!req.reasoning_effort.empty()) {
    auto thinking = thinking_config(req.reasoning_effort, model);
    if (!thinking) return std::unexpected(thinking.error());
    g["thinkingConfig"] = std::move(*thinking);
  }
  return g;
}

void add_tools(const ChatRequest& req, json::object& o) {
  if (req.tools.empty()) return;
  json::array decls;
  for (const auto& t : req.tools) {
    json::object fn{{"name", t.name}};
    if (!t.description.empty()) fn["description"] = t.description;
    // parametersJsonSchema takes the JSON Schema OpenAI clients write (additionalProperties, $defs, ...);
    // `parameters` is Google's OpenAPI subset and refuses those keys.
    if (!t.parameters.is_null()) fn["parametersJsonSchema"] = t.parameters;
    decls.push_back(std::move(fn));
  }
  o["tools"] = json::array{json::object{{"functionDeclarations", std::move(decls)}}};
  json::object calling;
  switch (req.tool_choice.mode) {
    case ToolChoice::Mode::unset:
      return;
    case ToolChoice::Mode::auto_:
      calling["mode"] = "AUTO";
      break;
    case ToolChoice::Mode::none:
      calling["mode"] = "NONE";
      break;
    case ToolChoice::Mode::required:
      calling["mode"] = "ANY";
      break;
    case ToolChoice::Mode::named:
      calling["mode"] = "ANY";
      calling["allowedFunctionNames"] = json::array{json::value(req.tool_choice.name)};
      break;
  }
  o["toolConfig"] = json::object{{"functionCallingConfig", std::move(calling)}};
}

}  // namespace

Result<json::object> encode_request(const ChatRequest& req, std::string_view upstream_model) {
  json::array system;
  json::array contents;
  for (std::size_t i = 0; i < req.messages.size(); ++i) {
    const Message& m = req.messages[i];
    switch (m.role) {
      case Role::system:
      case Role::developer:
        if (auto text = m.text(); !text.empty()) system.push_back(json::object{{"text", std::move(text)}});
        break;
      case Role::tool: {
        const ToolCall* call = call_answered_by(req, i);
        if (!call) {
          std::string param = fmt::format("messages[{}].tool_call_id", i);
          return bad(param, fmt::format("{} \"{}\" answers no earlier assistant tool call; Gemini needs the "
                                        "function's name",
                                        param, m.tool_call_id));
        }
        append_turn(contents, "user", json::array{function_response(m, call->name)});
        break;
      }
      case Role::user: {
        json::array parts;
        for (std::size_t k = 0; k < m.content.size(); ++k) {
          const auto& p = m.content[k];
          if (p.kind == ContentPart::Kind::text) {
            if (!p.text.empty()) parts.push_back(json::object{{"text", p.text}});
            continue;
          }
          if (p.kind == ContentPart::Kind::file) {
            // A document (PDF, text, ...) is inline data of its media type, as an image is.
            if (!p.file_id.empty() || p.image_media_type().empty())
              return std::unexpected(wire::part_not_carried(
                  p, "Gemini",
                  p.file_id.empty() ? "its data URL names no media type"
                                    : "a file_id names a file in another provider's store"));
            parts.push_back(json::object{
                {"inlineData", json::object{{"mimeType", p.image_media_type()}, {"data", p.base64_data()}}}});
            continue;
          }
          if (p.kind == ContentPart::Kind::other) return std::unexpected(wire::part_not_carried(p, "Gemini"));
          auto part = image_part(p, i, k);
          if (!part) return std::unexpected(part.error());
          parts.push_back(std::move(*part));
        }
        append_turn(contents, "user", std::move(parts));
        break;
      }
      case Role::assistant: {
        auto parts = model_parts(m, i);
        if (!parts) return std::unexpected(parts.error());
        append_turn(contents, "model", std::move(*parts));
        break;
      }
    }
  }
  if (contents.empty())
    return bad("messages", "Gemini needs at least one user or assistant message with content");

  json::object o;
  o["contents"] = std::move(contents);
  if (!system.empty()) o["systemInstruction"] = json::object{{"parts", std::move(system)}};
  add_tools(req, o);
  auto g = generation_config(req, upstream_model);
  if (!g) return std::unexpected(g.error());
  if (!g->empty()) o["generationConfig"] = std::move(*g);
  return o;
}

}  // namespace modelmux::gemini
