// The Gemini surface's requests: a GenerateContentRequest (as @google/genai writes it) and embedContent /
// batchEmbedContents bodies into the canonical model. Every problem is a 400 naming the field; what the
// canonical model has no room for is not dropped: it is named in `gemini_only`, so that only a Gemini
// upstream (which gets the body as it is) can serve such a request.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "core/json_util.hpp"
#include "wire/gemini/gemini_json.hpp"

namespace json = boost::json;

namespace modelmux::gemini {
namespace {

constexpr auto bad = json_util::invalid_field;
using json_util::as_integer;
using json_util::as_number;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Notes the first thing only a Gemini upstream can take.
void gemini_only_at(std::optional<Error>& slot, std::string field, std::string what) {
  if (!slot)
    slot = Error::make(ErrorCode::invalid_request,
                       fmt::format("{}: {} only a Gemini target can take", field, what), field);
}

// The calls a conversation made, so a functionResponse (which names its function, not a call id) answers
// the right one.
struct Calls {
  struct Call {
    std::string id, name;
    bool answered = false;
  };
  std::vector<Call> made;
  int next = 0;

  std::string add(std::string_view given_id, std::string_view name) {
    std::string id = given_id.empty() ? fmt::format("call_{}", next) : std::string(given_id);
    ++next;
    made.push_back({id, std::string(name)});
    return id;
  }
  // The id of the call a response answers: its own id when it gives one, else the first unanswered call of
  // that name.
  std::optional<std::string> answer(std::string_view given_id, std::string_view name) {
    for (auto& c : made)
      if (!c.answered && (given_id.empty() ? c.name == name : c.id == given_id)) {
        c.answered = true;
        return c.id;
      }
    if (!given_id.empty()) return std::string(given_id);
    return std::nullopt;
  }
};

// An inline or linked part: images become image parts, inline documents (PDF, text) file parts that other
// wires map to their own documents; other media (audio, video, linked files) only Gemini takes.
Result<void> media_part(const json::object& data, bool inline_data, const std::string& where, Message& m,
                        std::optional<Error>& gemini_only) {
  std::string_view mime = json_util::string_field(data, "mimeType");
  std::string_view payload = json_util::string_field(data, inline_data ? "data" : "fileUri");
  if (payload.empty())
    return bad(where,
               fmt::format("{} needs {}", where, inline_data ? "mimeType and base64 data" : "a fileUri"));
  if (!mime.starts_with("image/")) {
    if (inline_data && (mime == "application/pdf" || mime.starts_with("text/"))) {
      ContentPart part{.kind = ContentPart::Kind::file, .media_type = std::string(mime), .source = where};
      part.image_url = fmt::format("data:{};base64,{}", mime, payload);
      m.content.push_back(std::move(part));
      return {};
    }
    gemini_only_at(gemini_only, where, fmt::format("a {} part is something", mime.empty() ? "media" : mime));
    return {};
  }
  ContentPart part{.kind = ContentPart::Kind::image, .media_type = std::string(mime)};
  part.image_url = inline_data ? fmt::format("data:{};base64,{}", mime, payload) : std::string(payload);
  m.content.push_back(std::move(part));
  return {};
}

// One Content of `contents` as canonical messages: a model turn's text, thoughts and calls; a user turn's
// function responses (each a tool message, first) and its text and images.
Result<void> decode_content(const json::object& content, const std::string& where, ChatRequest& req,
                            Calls& calls, std::optional<Error>& gemini_only) {
  std::string_view role = json_util::string_field(content, "role");
  if (!role.empty() && role != "user" && role != "model" && role != "function")
    return bad(where + ".role", fmt::format("{}.role must be user or model", where));
  auto* parts_v = content.if_contains("parts");
  if (!parts_v || !parts_v->is_array())
    return bad(where + ".parts", fmt::format("{}.parts must be a list", where));
  bool model = role == "model";
  Message m;
  m.role = model ? Role::assistant : Role::user;
  const auto& parts = parts_v->get_array();
  for (std::size_t k = 0; k < parts.size(); ++k) {
    std::string at = fmt::format("{}.parts[{}]", where, k);
    if (!parts[k].is_object()) return bad(at, at + " must be an object");
    const auto& p = parts[k].get_object();
    if (auto* t = p.if_contains("text")) {
      if (!t->is_string()) return bad(at + ".text", at + ".text must be a string");
      bool thought = p.contains("thought") && p.at("thought").is_bool() && p.at("thought").get_bool();
      if (thought && model)
        m.reasoning += t->get_string();
      else if (!thought)
        m.content.push_back(ContentPart{.text = std::string(t->get_string())});
    } else if (auto* fc = p.if_contains("functionCall")) {
      if (!model) return bad(at, at + ": a functionCall belongs to a model turn");
      if (!fc->is_object() || json_util::string_field(fc->get_object(), "name").empty())
        return bad(at + ".functionCall", at + ".functionCall needs a name");
      const auto& call = fc->get_object();
      auto* args = call.if_contains("args");
      std::string id = calls.add(json_util::string_field(call, "id"), json_util::string_field(call, "name"));
      m.tool_calls.push_back({id, std::string(json_util::string_field(call, "name")),
                              args && args->is_object() ? json::serialize(*args) : std::string("{}")});
    } else if (auto* fr = p.if_contains("functionResponse")) {
      if (!fr->is_object() || json_util::string_field(fr->get_object(), "name").empty())
        return bad(at + ".functionResponse", at + ".functionResponse needs a name");
      const auto& resp = fr->get_object();
      std::string_view name = json_util::string_field(resp, "name");
      auto id = calls.answer(json_util::string_field(resp, "id"), name);
      if (!id)
        return bad(
            at + ".functionResponse",
            fmt::format("{}.functionResponse answers {}, which no earlier functionCall called", at, name));
      auto* response = resp.if_contains("response");
      Message tool{.role = Role::tool, .tool_call_id = *id, .name = std::string(name)};
      tool.content.push_back(ContentPart{.text = response ? json::serialize(*response) : std::string("{}")});
      req.messages.push_back(std::move(tool));
    } else if (auto* d = p.if_contains("inlineData"); d && d->is_object()) {
      if (auto ok = media_part(d->get_object(), true, at + ".inlineData", m, gemini_only); !ok) return ok;
    } else if (auto* f = p.if_contains("fileData"); f && f->is_object()) {
      if (auto ok = media_part(f->get_object(), false, at + ".fileData", m, gemini_only); !ok) return ok;
    } else if (p.contains("executableCode") || p.contains("codeExecutionResult")) {
      gemini_only_at(gemini_only, at, "code execution is something");
    } else if (!p.contains("thoughtSignature") && !p.contains("videoMetadata") &&
               !p.contains("partMetadata")) {
      return bad(
          at, at + " has no part Gemini knows (text, inlineData, fileData, functionCall, functionResponse)");
    }
  }
  if (!m.content.empty() || !m.tool_calls.empty() || !m.reasoning.empty())
    req.messages.push_back(std::move(m));
  return {};
}

// thinkingConfig as a reasoning effort: a level names one; a budget is read by size (-1, dynamic: the
// provider's default).
void decode_thinking(const json::object& t, ChatRequest& req) {
  if (auto level = json_util::string_field(t, "thinkingLevel"); !level.empty()) {
    req.reasoning_effort = lower(level);
    return;
  }
  auto* b = t.if_contains("thinkingBudget");
  auto budget = b ? as_integer(*b) : std::nullopt;
  if (!budget || *budget < 0) return;
  req.reasoning_effort = *budget == 0      ? "none"
                         : *budget <= 1024 ? "low"
                         : *budget <= 8192 ? "medium"
                                           : "high";
}

Result<void> decode_generation_config(const json::object& g, ChatRequest& req,
                                      std::optional<Error>& gemini_only) {
  auto number = [&](std::string_view key) -> Result<std::optional<double>> {
    auto* v = g.if_contains(key);
    if (!v || v->is_null()) return std::optional<double>();
    auto n = as_number(*v);
    if (!n)
      return bad(fmt::format("generationConfig.{}", key),
                 fmt::format("generationConfig.{} must be a number", key));
    return n;
  };
  auto temperature = number("temperature"), top_p = number("topP");
  if (!temperature) return std::unexpected(temperature.error());
  if (!top_p) return std::unexpected(top_p.error());
  req.temperature = *temperature;
  req.top_p = *top_p;
  if (auto* v = g.if_contains("maxOutputTokens"); v && !v->is_null()) {
    auto n = as_integer(*v);
    if (!n || *n < 1)
      return bad("generationConfig.maxOutputTokens",
                 "generationConfig.maxOutputTokens must be a positive integer");
    req.max_tokens = *n;
  }
  if (auto* v = g.if_contains("seed"); v && !v->is_null()) req.seed = as_integer(*v);
  if (auto* v = g.if_contains("stopSequences"); v && v->is_array())
    for (const auto& s : v->get_array())
      if (s.is_string()) req.stop.emplace_back(s.get_string());
  for (auto [gemini_key, openai_key] :
       {std::pair{"presencePenalty", "presence_penalty"}, {"frequencyPenalty", "frequency_penalty"}})
    if (auto* v = g.if_contains(gemini_key); v && as_number(*v)) req.extra[openai_key] = *as_number(*v);
  if (auto* v = g.if_contains("candidateCount"); v && as_integer(*v).value_or(1) != 1)
    gemini_only_at(gemini_only, "generationConfig.candidateCount", "more than one candidate is something");
  if (auto* v = g.if_contains("responseModalities"); v && v->is_array())
    for (const auto& m : v->get_array())
      if (!m.is_string() || m.get_string() != "TEXT")
        gemini_only_at(gemini_only, "generationConfig.responseModalities",
                       "a modality other than TEXT is something");
  std::string_view mime = json_util::string_field(g, "responseMimeType");
  const json::value* json_schema = g.if_contains("responseJsonSchema");
  const json::value* google_schema = g.if_contains("responseSchema");
  if (mime == "application/json" || json_schema || google_schema) {
    if (json_schema || google_schema) {
      req.response_format.type = ResponseFormat::Type::json_schema;
      req.response_format.schema_name = "response";
      req.response_format.schema = json_schema ? *json_schema : json_schema_of(*google_schema);
    } else {
      req.response_format.type = ResponseFormat::Type::json_object;
    }
  } else if (!mime.empty() && mime != "text/plain") {
    gemini_only_at(gemini_only, "generationConfig.responseMimeType", fmt::format("{} is something", mime));
  }
  if (auto* t = g.if_contains("thinkingConfig"); t && t->is_object()) decode_thinking(t->get_object(), req);
  return {};
}

Result<void> decode_tools(const json::value& v, ChatRequest& req, std::optional<Error>& gemini_only) {
  if (!v.is_array()) return bad("tools", "tools must be a list");
  const auto& tools = v.get_array();
  for (std::size_t i = 0; i < tools.size(); ++i) {
    if (!tools[i].is_object())
      return bad(fmt::format("tools[{}]", i), fmt::format("tools[{}] must be an object", i));
    for (const auto& [key, value] : tools[i].get_object()) {
      if (key != "functionDeclarations") {
        // Google Search, code execution, URL context: tools Google runs itself.
        gemini_only_at(gemini_only, fmt::format("tools[{}].{}", i, std::string_view(key)),
                       "a tool Google runs is something");
        continue;
      }
      if (!value.is_array())
        return bad("tools", fmt::format("tools[{}].functionDeclarations must be a list", i));
      for (const auto& d : value.get_array()) {
        if (!d.is_object() || json_util::string_field(d.get_object(), "name").empty())
          return bad("tools",
                     fmt::format("tools[{}].functionDeclarations: every declaration needs a name", i));
        const auto& decl = d.get_object();
        Tool t{.name = std::string(json_util::string_field(decl, "name")),
               .description = std::string(json_util::string_field(decl, "description"))};
        if (auto* s = decl.if_contains("parametersJsonSchema"))
          t.parameters = *s;
        else if (auto* p = decl.if_contains("parameters"))
          t.parameters = json_schema_of(*p);
        else
          t.parameters = json::object{{"type", "object"}, {"properties", json::object{}}};
        req.tools.push_back(std::move(t));
      }
    }
  }
  return {};
}

void decode_tool_config(const json::object& tc, ChatRequest& req) {
  auto* fcc = tc.if_contains("functionCallingConfig");
  if (!fcc || !fcc->is_object()) return;
  const auto& c = fcc->get_object();
  std::string_view mode = json_util::string_field(c, "mode");
  const auto* allowed = c.if_contains("allowedFunctionNames");
  if (mode == "NONE") {
    req.tool_choice.mode = ToolChoice::Mode::none;
  } else if (mode == "ANY") {
    if (allowed && allowed->is_array() && allowed->get_array().size() == 1 &&
        allowed->get_array()[0].is_string()) {
      req.tool_choice.mode = ToolChoice::Mode::named;
      req.tool_choice.name = allowed->get_array()[0].get_string();
    } else {
      req.tool_choice.mode = ToolChoice::Mode::required;
    }
  } else if (mode == "AUTO" || mode == "VALIDATED") {
    req.tool_choice.mode = ToolChoice::Mode::auto_;
  }
}

std::string text_of(const json::object& content) {
  std::string text;
  if (auto* parts = content.if_contains("parts"); parts && parts->is_array())
    for (const auto& p : parts->get_array())
      if (p.is_object()) text += json_util::string_field(p.get_object(), "text");
  return text;
}

}  // namespace

json::value json_schema_of(const json::value& google_schema) {
  if (!google_schema.is_object()) return google_schema;
  json::object out;
  bool nullable = false;
  for (const auto& [key, v] : google_schema.get_object()) {
    if (key == "type" && v.is_string()) {
      out["type"] = lower(v.get_string());
    } else if (key == "nullable") {
      nullable = v.is_bool() && v.get_bool();
    } else if (key == "properties" && v.is_object()) {
      json::object props;
      for (const auto& [name, s] : v.get_object()) props[name] = json_schema_of(s);
      out["properties"] = std::move(props);
    } else if ((key == "items" || key == "additionalProperties") && v.is_object()) {
      out[key] = json_schema_of(v);
    } else if (key == "anyOf" && v.is_array()) {
      json::array any;
      for (const auto& s : v.get_array()) any.push_back(json_schema_of(s));
      out["anyOf"] = std::move(any);
    } else if (key != "propertyOrdering") {  // Google's own ordering hint; JSON Schema has none
      out[key] = v;
    }
  }
  if (nullable) {
    if (auto* t = out.if_contains("type"); t && t->is_string())
      *t = json::array{*t, "null"};
    else
      out["nullable"] = true;
  }
  return out;
}

Result<ChatRequest> decode_client_request(const json::object& body, std::string model, bool stream,
                                          std::optional<Error>& gemini_only) {
  ChatRequest req;
  req.model = std::move(model);
  req.stream = stream;
  req.include_usage = true;  // Gemini reports usage on every stream
  if (auto* s = body.if_contains("systemInstruction")) {
    if (s->is_string()) {
      req.messages.push_back({Role::system, {ContentPart{.text = std::string(s->get_string())}}});
    } else if (s->is_object()) {
      if (std::string text = text_of(s->get_object()); !text.empty())
        req.messages.push_back({Role::system, {ContentPart{.text = std::move(text)}}});
    } else {
      return bad("systemInstruction", "systemInstruction must be a Content object");
    }
  }
  auto* contents = body.if_contains("contents");
  if (!contents || !contents->is_array() || contents->get_array().empty())
    return bad("contents", "contents must be a non-empty list of Content objects");
  Calls calls;
  const auto& list = contents->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string where = fmt::format("contents[{}]", i);
    if (!list[i].is_object()) return bad(where, where + " must be an object");
    if (auto ok = decode_content(list[i].get_object(), where, req, calls, gemini_only); !ok)
      return std::unexpected(ok.error());
  }
  if (auto* g = body.if_contains("generationConfig"); g && !g->is_null()) {
    if (!g->is_object()) return bad("generationConfig", "generationConfig must be an object");
    if (auto ok = decode_generation_config(g->get_object(), req, gemini_only); !ok)
      return std::unexpected(ok.error());
  }
  if (auto* t = body.if_contains("tools"); t && !t->is_null())
    if (auto ok = decode_tools(*t, req, gemini_only); !ok) return std::unexpected(ok.error());
  if (auto* tc = body.if_contains("toolConfig"); tc && tc->is_object())
    decode_tool_config(tc->get_object(), req);
  if (body.contains("cachedContent"))
    gemini_only_at(gemini_only, "cachedContent", "a cached content is something");
  return req;
}

Result<EmbeddingsRequest> decode_client_embeddings(const json::object& body, std::string model, bool batch) {
  EmbeddingsRequest req;
  req.model = std::move(model);
  auto one = [&](const json::object& r, const std::string& where) -> Result<void> {
    auto* content = r.if_contains("content");
    if (!content || !content->is_object())
      return bad(where + ".content", where + ".content must be a Content object");
    req.inputs.push_back(text_of(content->get_object()));
    if (auto* d = r.if_contains("outputDimensionality"); d && !d->is_null()) {
      auto n = as_integer(*d);
      if (!n || *n < 1)
        return bad(where + ".outputDimensionality",
                   where + ".outputDimensionality must be a positive integer");
      if (req.dimensions && *req.dimensions != *n)
        return bad(where + ".outputDimensionality",
                   "every request of a batch must ask for the same outputDimensionality");
      req.dimensions = *n;
    }
    if (auto task = json_util::string_field(r, "taskType"); !task.empty()) req.extra["taskType"] = task;
    return {};
  };
  if (!batch) {
    if (auto ok = one(body, "request"); !ok) return std::unexpected(ok.error());
    return req;
  }
  auto* requests = body.if_contains("requests");
  if (!requests || !requests->is_array() || requests->get_array().empty())
    return bad("requests", "requests must be a non-empty list of embedContent requests");
  const auto& list = requests->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string where = fmt::format("requests[{}]", i);
    if (!list[i].is_object()) return bad(where, where + " must be an object");
    if (auto ok = one(list[i].get_object(), where); !ok) return std::unexpected(ok.error());
  }
  return req;
}

}  // namespace modelmux::gemini
