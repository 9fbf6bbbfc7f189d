// The common OpenAI chat request decoded from its bytes (chat_request_scan.hpp). Every rule here is one of
// JSON's or one of decode_chat_request's; where following one exactly would take real work (UTF-8, \u
// escapes, numbers that need rounding, keys that repeat), the scan gives up and the full path decides.
#include "wire/openai/chat_request_scan.hpp"

#include <charconv>
#include <cstdint>
#include <string>

namespace modelmux::openai {
namespace {

class Scan {
 public:
  explicit Scan(std::string_view s) : s_(s) {}

  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  // The next non-blank byte is `c`: consumed.
  bool take(char c) {
    ws();
    if (i_ >= s_.size() || s_[i_] != c) return false;
    ++i_;
    return true;
  }
  bool peek(char c) {
    ws();
    return i_ < s_.size() && s_[i_] == c;
  }
  bool at_end() {
    ws();
    return i_ == s_.size();
  }
  // Where the next non-blank byte is.
  std::size_t pos() {
    ws();
    return i_;
  }

  // A key: a string without escapes (a key written with them is matched by the full path only).
  bool key(std::string_view& out) {
    if (!take('"')) return false;
    std::size_t start = i_;
    for (; i_ < s_.size(); ++i_) {
      auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        out = s_.substr(start, i_ - start);
        ++i_;
        return take(':');
      }
      if (c == '\\' || c < 0x20 || c >= 0x80) return false;
    }
    return false;
  }

  // A string value into `out`: ASCII, with the one-letter escapes decoded. (JSON refuses control bytes in
  // strings; bytes from 0x80 would have to be checked as UTF-8, and \u escapes turned into it.)
  bool string(std::string& out) {
    if (!take('"')) return false;
    std::size_t run = i_;  // the start of the bytes not yet copied
    for (; i_ < s_.size(); ++i_) {
      auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        out.append(s_.data() + run, i_ - run);
        ++i_;
        return true;
      }
      if (c < 0x20 || c >= 0x80) return false;
      if (c != '\\') continue;
      out.append(s_.data() + run, i_ - run);
      if (++i_ >= s_.size()) return false;
      switch (s_[i_]) {
        case '"':
        case '\\':
        case '/':
          out.push_back(s_[i_]);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        default:
          return false;  // \u, or not an escape at all
      }
      run = i_ + 1;
    }
    return false;
  }

  bool literal(std::string_view word) {
    ws();
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return delimited();
  }
  bool null() { return literal("null"); }
  bool boolean(bool& out) {
    if (literal("true")) {
      out = true;
      return true;
    }
    if (!literal("false")) return false;
    out = false;
    return true;
  }

  // A non-negative integer without fraction or exponent, at most 18 digits (so it fits an int64).
  bool count(std::int64_t& out) {
    ws();
    std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    std::size_t n = i_ - start;
    if (n == 0 || n > 18 || (n > 1 && s_[start] == '0') || !delimited()) return false;
    std::from_chars(s_.data() + start, s_.data() + i_, out);
    return true;
  }

  // A decimal without exponent and with at most 15 digits: read exactly by any correct parser (the
  // digits and the power of ten are both exact doubles), so the value is the full path's to the bit.
  bool decimal(double& out) {
    ws();
    std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    std::size_t int_start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    std::size_t int_digits = i_ - int_start, frac_digits = 0;
    if (int_digits == 0 || (int_digits > 1 && s_[int_start] == '0')) return false;
    if (i_ < s_.size() && s_[i_] == '.') {
      std::size_t frac_start = ++i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      frac_digits = i_ - frac_start;
      if (frac_digits == 0) return false;
    }
    if (int_digits + frac_digits > 15 || !delimited()) return false;
    auto [end, ec] = std::from_chars(s_.data() + start, s_.data() + i_, out);
    return ec == std::errc() && end == s_.data() + i_;
  }

 private:
  // A number or literal ends where the next token begins (`1x` and `truex` are not JSON).
  bool delimited() {
    if (i_ >= s_.size()) return true;
    char c = s_[i_];
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

// `{ ... }` with each member handed to `member(key)`, which reads its value; false at the first problem.
template <class F>
bool members(Scan& in, F&& member) {
  if (!in.take('{')) return false;
  if (in.take('}')) return true;
  do {
    std::string_view k;
    if (!in.key(k) || !member(k)) return false;
  } while (in.take(','));
  return in.take('}');
}

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
