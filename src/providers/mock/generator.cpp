#include "providers/mock/generator.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <random>

#include "core/json_util.hpp"
#include "cost/tokens.hpp"
#include "wire/openai/chat_json.hpp"

namespace json = boost::json;

namespace modelmux::mock {
namespace {

std::string content_text(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (content.is_array())
    for (const auto& p : content.get_array())
      if (p.is_object())
        if (auto* t = p.get_object().if_contains("text"); t && t->is_string()) out += t->get_string();
  return out;
}

std::int64_t prompt_tokens(const json::object& req) {
  std::int64_t n = 0;
  if (auto* msgs = req.if_contains("messages"); msgs && msgs->is_array())
    for (const auto& m : msgs->get_array())
      if (m.is_object())
        if (auto* c = m.get_object().if_contains("content")) n += cost::estimate_tokens(content_text(*c)) + 3;
  return std::max<std::int64_t>(n, 1);
}

std::string model_of(const json::object& req) {
  if (auto* m = req.if_contains("model"); m && m->is_string()) return std::string(m->get_string());
  return "mock";
}

std::string new_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("chatcmpl-mock{:016x}", rng());
}

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> split(const std::string& text, int chunks) {
  std::vector<std::string> pieces;
  if (text.empty()) return pieces;
  if (chunks <= 0) {
    std::size_t i = 0;
    while (i < text.size()) {
      std::size_t sp = text.find(' ', i);
      std::size_t end = sp == std::string::npos ? text.size() : sp + 1;
      pieces.push_back(text.substr(i, end - i));
      i = end;
    }
    return pieces;
  }
  std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(chunks), text.size());
  std::size_t at = 0;
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t end = text.size() * (k + 1) / n;
    pieces.push_back(text.substr(at, end - at));
    at = end;
  }
  return pieces;
}

// With tools offered and "tool" in the last user message, the mock calls the first tool.
std::string mock_tool(const json::object& req, const std::string& last_user_text) {
  auto* tools = req.if_contains("tools");
  if (!tools || !tools->is_array() || tools->get_array().empty()) return {};
  if (last_user_text.find("tool") == std::string::npos) return {};
  const auto& t = tools->get_array()[0];
  if (!t.is_object()) return {};
  if (auto* f = t.get_object().if_contains("function"); f && f->is_object())
    if (auto* n = f->get_object().if_contains("name"); n && n->is_string())
      return std::string(n->get_string());
  return {};
}

constexpr std::string_view kToolArguments = R"({"city":"Paris"})";

}  // namespace

Result<void> validate(const json::object& req) {
  auto bad = [](std::string msg, std::string param) {
    return fail(ErrorCode::invalid_request, std::move(msg), std::move(param));
  };
  auto* model = req.if_contains("model");
  if (!model || !model->is_string() || model->get_string().empty())
    return bad("you must provide a model parameter", "model");
  auto decoded = openai::decode_chat_request(req);
  if (!decoded) return std::unexpected(decoded.error());
  return {};
}

std::string reply_text(const json::object& req, const Shape& shape) {
  if (shape.response_tokens > 0) {
    static const char* kWords[] = {"lorem", "ipsum",       "dolor",      "sit",
                                   "amet",  "consectetur", "adipiscing", "elit"};
    std::string out;
    for (int i = 0; i < shape.response_tokens; ++i) {
      if (i) out += ' ';
      out += kWords[i % 8];
    }
    return out;
  }
  std::string last;
  if (auto* msgs = req.if_contains("messages"); msgs && msgs->is_array())
    for (const auto& m : msgs->get_array())
      if (m.is_object())
        if (auto* r = m.get_object().if_contains("role"); r && r->is_string() && r->get_string() == "user")
          if (auto* c = m.get_object().if_contains("content")) last = content_text(*c);
  return "mock: " + last;
}

// The request's output limit (max_completion_tokens, else max_tokens), as a real model keeps to it.
std::optional<std::int64_t> output_limit(const json::object& req) {
  for (const char* field : {"max_completion_tokens", "max_tokens"})
    if (auto* v = req.if_contains(field))
      if (auto n = json_util::as_integer(*v); n && *n > 0) return n;
  return std::nullopt;
}

// The reply text cut to the request's output limit (about four bytes a token); `finish` says whether it
// was cut ("length") or ended on its own ("stop").
std::string limited_reply(const json::object& req, const Shape& shape, std::string& finish) {
  std::string text = reply_text(req, shape);
  finish = "stop";
  if (auto limit = output_limit(req); limit && cost::estimate_tokens(text) > *limit) {
    text.resize(static_cast<std::size_t>(*limit) * 4);
    while (!text.empty() && cost::estimate_tokens(text) > *limit) text.pop_back();
    finish = "length";
  }
  return text;
}

std::string completion(const json::object& req, const Shape& shape) {
  std::string finish;
  std::string text = limited_reply(req, shape, finish);
  std::int64_t in = prompt_tokens(req), out = std::max<std::int64_t>(cost::estimate_tokens(text), 1);
  std::string tool = mock_tool(req, text);
  json::object msg{{"role", "assistant"}, {"content", text}, {"refusal", nullptr}};
  if (!tool.empty()) {
    msg["content"] = nullptr;
    msg["tool_calls"] =
        json::array{json::object{{"id", "call_mock1"},
                                 {"type", "function"},
                                 {"function", json::object{{"name", tool}, {"arguments", kToolArguments}}}}};
  }
  json::object o{
      {"id", new_id()}, {"object", "chat.completion"}, {"created", now()}, {"model", model_of(req)}};
  o["choices"] = json::array{json::object{{"index", 0},
                                          {"message", std::move(msg)},
                                          {"logprobs", nullptr},
                                          {"finish_reason", tool.empty() ? finish : "tool_calls"}}};
  o["usage"] = json::object{{"prompt_tokens", in}, {"completion_tokens", out}, {"total_tokens", in + out}};
  return json::serialize(o);
}

std::vector<std::string> stream_frames(const json::object& req, const Shape& shape) {
  std::string finish;
  std::string text = limited_reply(req, shape, finish);
  std::string id = new_id(), model = model_of(req);
  std::int64_t created = now();
  bool include_usage = false;
  if (auto* so = req.if_contains("stream_options"); so && so->is_object())
    if (auto* iu = so->get_object().if_contains("include_usage"); iu && iu->is_bool())
      include_usage = iu->get_bool();
  auto frame = [&](json::object delta, json::value finish) {
    json::object o{{"id", id}, {"object", "chat.completion.chunk"}, {"created", created}, {"model", model}};
    o["choices"] = json::array{json::object{{"index", 0},
                                            {"delta", std::move(delta)},
                                            {"logprobs", nullptr},
                                            {"finish_reason", std::move(finish)}}};
    return "data: " + json::serialize(o) + "\n\n";
  };
  std::vector<std::string> frames;
  frames.push_back(
      frame(json::object{{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}, nullptr));
  if (std::string tool = mock_tool(req, text); !tool.empty()) {
    // A tool call streams as OpenAI sends one: id and name first, then the arguments in pieces.
    auto call = [](json::object fn, bool first) {
      json::object c{{"index", 0}};
      if (first) {
        c["id"] = "call_mock1";
        c["type"] = "function";
      }
      c["function"] = std::move(fn);
      return json::object{{"tool_calls", json::array{std::move(c)}}};
    };
    frames.push_back(frame(call(json::object{{"name", tool}, {"arguments", ""}}, true), nullptr));
    frames.push_back(frame(call(json::object{{"arguments", kToolArguments.substr(0, 8)}}, false), nullptr));
    frames.push_back(frame(call(json::object{{"arguments", kToolArguments.substr(8)}}, false), nullptr));
    frames.push_back(frame(json::object{}, "tool_calls"));
  } else {
    for (auto& piece : split(text, shape.chunks))
      frames.push_back(frame(json::object{{"content", piece}}, nullptr));
    frames.push_back(frame(json::object{}, json::string(finish)));
  }
  if (include_usage) {
    std::int64_t in = prompt_tokens(req), out = std::max<std::int64_t>(cost::estimate_tokens(text), 1);
    json::object o{{"id", id}, {"object", "chat.completion.chunk"}, {"created", created}, {"model", model}};
    o["choices"] = json::array{};
    o["usage"] = json::object{{"prompt_tokens", in}, {"completion_tokens", out}, {"total_tokens", in + out}};
    frames.push_back("data: " + json::serialize(o) + "\n\n");
  }
  frames.push_back("data: [DONE]\n\n");
  return frames;
}

std::string error_body(std::string_view message, std::string_view type, std::string_view code) {
  json::object e{{"message", message}, {"type", type}, {"param", nullptr}};
  if (code.empty())
    e["code"] = nullptr;
  else
    e["code"] = code;
  return json::serialize(json::object{{"error", std::move(e)}});
}

}  // namespace modelmux::mock
