// A reader over JSON text for the hot path's scanners (an OpenAI chat request, an OpenAI chat reply): the
// common shapes decoded straight from their bytes, without building a tree. It reads the subset of JSON that
// needs no real work to follow exactly (ASCII strings with the one-letter escapes, integers that fit,
// decimals any parser reads to the same bit); on anything else a read returns false and the caller's scanner
// gives up, leaving the body to the full path (a JSON tree), which decides.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace modelmux::json_scan {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

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

  // `word` as a whole token, consumed only then: `null64` is neither null nor, once null is given up on,
  // the 64 after it (a failed read leaves the position where it was, for the caller's next try).
  bool literal(std::string_view word) {
    ws();
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    if (delimited()) return true;
    i_ -= word.size();
    return false;
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
    // -0 is an integer, which the full path reads as 0: not the double -0.0 (found by fuzz_scanners).
    if (frac_digits == 0 && out == 0) out = 0;
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
bool members(Reader& in, F&& member) {
  if (!in.take('{')) return false;
  if (in.take('}')) return true;
  do {
    std::string_view k;
    if (!in.key(k) || !member(k)) return false;
  } while (in.take(','));
  return in.take('}');
}

// A string or null whose value is not kept (it still has to be JSON the reader follows).
inline bool skip_string_or_null(Reader& in) {
  std::string unused;
  return in.null() || in.string(unused);
}

// Each key of an object at most once: with a repeated key, which one counts is the tree's business.
class Once {
 public:
  bool operator()(unsigned bit) {
    if (seen_ & bit) return false;
    seen_ |= bit;
    return true;
  }
  bool has(unsigned bit) const { return seen_ & bit; }

 private:
  unsigned seen_ = 0;
};

}  // namespace modelmux::json_scan
