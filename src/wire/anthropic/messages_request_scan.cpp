// The common Anthropic Messages request decoded from its bytes (messages_request_scan.hpp). Every rule here
// is one of JSON's or one of decode_request's; where following one exactly would take real work, the scan
// gives up and the full path decides.
#include "wire/anthropic/messages_request_scan.hpp"

#include <cstdint>
#include <string>

#include "core/json_reader.hpp"

namespace modelmux::anthropic {
namespace {

using json_scan::members;
using json_scan::Once;
using json_scan::Reader;

bool message(Reader& in, std::vector<Message>& out) {
  Once once;
  std::string role, text;
  bool ok = members(in, [&](std::string_view k) {
    if (k == "role") return once(1) && in.string(role);
    if (k == "content") return once(2) && in.string(text);  // (a list of blocks: the full path's)
    return false;
  });
  if (!ok || !once.has(2) || (role != "user" && role != "assistant")) return false;
  Message& m = out.emplace_back();
  m.role = role == "user" ? Role::user : Role::assistant;
  m.content.push_back({ContentPart::Kind::text, std::move(text), {}, {}, {}});
  return true;
}

bool messages(Reader& in, std::vector<Message>& out) {
  if (!in.take('[') || in.peek(']')) return false;  // (an empty list is the full path's 400)
  do {
    if (!message(in, out)) return false;
  } while (in.take(','));
  return in.take(']');
}

bool strings(Reader& in, std::vector<std::string>& out) {
  if (!in.take('[')) return false;
  if (in.take(']')) return true;
  do {
    if (!in.string(out.emplace_back())) return false;
  } while (in.take(','));
  return in.take(']');
}

bool number_or_null(Reader& in, std::optional<double>& out) {
  if (in.null()) return true;
  double d = 0;
  if (!in.decimal(d)) return false;
  out = d;
  return true;
}

}  // namespace

bool scan_request(std::string_view body, ChatRequest& out, json_scan::Span* model_at) {
  Reader in(body);
  Once once;
  std::string system;
  std::vector<Message> turns;
  bool ok = members(in, [&](std::string_view k) {
    if (k == "model") {
      if (!once(1)) return false;
      std::size_t begin = in.pos();
      if (!in.string(out.model) || out.model.empty()) return false;
      if (model_at) *model_at = {begin, in.pos()};
      return true;
    }
    if (k == "max_tokens") {
      std::int64_t n = 0;
      if (!once(2) || !in.count(n) || n < 1) return false;
      out.max_tokens = n;
      return true;
    }
    if (k == "messages") return once(4) && messages(in, turns);
    if (k == "system") return once(8) && in.string(system);  // (a list of blocks: the full path's)
    if (k == "stream") return once(16) && (in.null() || in.boolean(out.stream));
    if (k == "temperature") return once(32) && number_or_null(in, out.temperature);
    if (k == "top_p") return once(64) && number_or_null(in, out.top_p);
    if (k == "stop_sequences") return once(128) && strings(in, out.stop);
    if (k == "metadata") {
      Once inner;
      return once(256) && members(in, [&](std::string_view mk) {
               return mk == "user_id" && inner(1) && (in.null() || in.string(out.user));
             });
    }
    return false;
  });
  if (!ok || !in.at_end() || !once.has(1) || !once.has(2) || !once.has(4)) return false;
  // The system prompt comes first, wherever its key was.
  if (once.has(8)) {
    Message& sys = out.messages.emplace_back();
    sys.role = Role::system;
    sys.content.push_back({ContentPart::Kind::text, std::move(system), {}, {}, {}});
  }
  for (auto& m : turns) out.messages.push_back(std::move(m));
  out.include_usage = out.stream;  // Anthropic streams always report usage
  return true;
}

}  // namespace modelmux::anthropic
