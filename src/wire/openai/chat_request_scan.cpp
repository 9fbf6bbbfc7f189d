// The common OpenAI chat request decoded from its bytes (chat_request_scan.hpp). Every rule here is one of
// JSON's or one of decode_chat_request's; where following one exactly would take real work (UTF-8, \u
// escapes, numbers that need rounding, keys that repeat), the scan gives up and the full path decides.
#include "wire/openai/chat_request_scan.hpp"

#include <string>

#include "core/json_reader.hpp"

namespace modelmux::openai {
namespace {

using Scan = json_scan::Reader;
using json_scan::members;

bool message(Scan& in, Message& m) {
  bool role = false, content = false, name = false;
  bool ok = members(in, [&](std::string_view k) {
    if (k == "role") {
      std::string r;
      if (role || !in.string(r)) return false;
      auto parsed = role_from_string(r);
      // A tool message needs its tool_call_id: the full path checks it.
      if (!parsed || *parsed == Role::tool) return false;
      m.role = *parsed;
      return role = true;
    }
    if (k == "content") {
      if (content) return false;
      auto& part = m.content.emplace_back();
      part.kind = ContentPart::Kind::text;
      return content = in.string(part.text);
    }
    if (k == "name") return !name && (name = in.string(m.name));
    return false;
  });
  return ok && role && content;
}

bool messages(Scan& in, std::vector<Message>& out) {
  if (!in.take('[') || in.peek(']')) return false;  // (an empty list is the full path's 400)
  do {
    if (!message(in, out.emplace_back())) return false;
  } while (in.take(','));
  return in.take(']');
}

}  // namespace

bool scan_chat_request(std::string_view body, ChatRequest& out, json_scan::Span* model_at) {
  Scan in(body);
  // Each key at most once: with a repeated key, which one counts is the full path's business.
  enum : unsigned {
    kModel = 1,
    kMessages = 2,
    kStream = 4,
    kMaxTokens = 8,
    kTemperature = 16,
    kTopP = 32,
    kSeed = 64,
    kUser = 128,
  };
  unsigned seen = 0;
  auto once = [&](unsigned bit) {
    if (seen & bit) return false;
    seen |= bit;
    return true;
  };
  bool ok = members(in, [&](std::string_view k) {
    if (k == "model") {
      if (!once(kModel)) return false;
      std::size_t begin = in.pos();
      if (!in.string(out.model) || out.model.empty()) return false;
      if (model_at) *model_at = {begin, in.pos()};
      return true;
    }
    if (k == "messages") return once(kMessages) && messages(in, out.messages);
    if (k == "stream") {
      if (!once(kStream)) return false;
      if (in.null()) return true;  // (false, as the request starts)
      return in.boolean(out.stream);
    }
    if (k == "max_tokens" || k == "max_completion_tokens") {
      // Both at once: the last one written wins in the full path, which knows the order.
      if (!once(kMaxTokens)) return false;
      if (in.null()) return true;
      std::int64_t n = 0;
      if (!in.count(n)) return false;
      out.max_tokens = n;
      return true;
    }
    if (k == "temperature" || k == "top_p") {
      bool t = k == "temperature";
      if (!once(t ? kTemperature : kTopP)) return false;
      if (in.null()) return true;
      double d = 0;
      if (!in.decimal(d)) return false;
      (t ? out.temperature : out.top_p) = d;
      return true;
    }
    if (k == "seed") {
      if (!once(kSeed)) return false;
      if (in.null()) return true;
      std::int64_t n = 0;
      if (!in.count(n)) return false;
      out.seed = n;
      return true;
    }
    if (k == "user") {
      if (!once(kUser)) return false;
      return in.null() || in.string(out.user);
    }
    return false;
  });
  return ok && in.at_end() && (seen & kModel) && (seen & kMessages);
}

}  // namespace modelmux::openai
