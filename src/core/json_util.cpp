#include "core/json_util.hpp"

#include <boost/json/parser.hpp>
#include <charconv>

namespace modelmux::json_util {

bool looks_whole(std::string_view text) {
  auto ws = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  std::size_t b = 0, e = text.size();
  while (b < e && ws(text[b])) ++b;
  while (e > b && ws(text[e - 1])) --e;
  if (e - b < 2) return false;
  return (text[b] == '{' && text[e - 1] == '}') || (text[b] == '[' && text[e - 1] == ']');
}

boost::json::value parse(std::string_view text, boost::system::error_code& ec,
                         boost::json::storage_ptr storage) {
  thread_local boost::json::parser parser({}, [] {
    boost::json::parse_options options;
    options.max_depth = kMaxDepth;
    return options;
  }());
  parser.reset(std::move(storage));
  parser.write(text.data(), text.size(), ec);
  if (ec) return nullptr;
  return parser.release();
}

void append_quoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // the start of the bytes not yet copied
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"':
      case '\\':
        out.push_back(static_cast<char>(c));
        break;
      case '\b':
        out.push_back('b');
        break;
      case '\f':
        out.push_back('f');
        break;
      case '\n':
        out.push_back('n');
        break;
      case '\r':
        out.push_back('r');
        break;
      case '\t':
        out.push_back('t');
        break;
      default:
        out.append("u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void append_int(std::string& out, std::int64_t n) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

std::string_view string_field(const boost::json::object& o, std::string_view key) {
  if (auto* v = o.if_contains(key); v && v->is_string()) return v->get_string();
  return {};
}

std::int64_t int_field(const boost::json::object& o, std::string_view key) {
  if (auto* v = o.if_contains(key)) {
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  }
  return 0;
}

std::optional<boost::json::object> arguments_object(std::string_view arguments) {
  if (arguments.empty()) return boost::json::object{};
  boost::system::error_code ec;
  boost::json::value v = parse(arguments, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

std::optional<double> as_number(const boost::json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return std::nullopt;
}

std::optional<std::int64_t> as_integer(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double()) {
    double d = v.get_double();
    // (the range check first: converting a double out of int64's range is undefined)
    if (d >= -9.2e18 && d <= 9.2e18 && d == static_cast<double>(static_cast<std::int64_t>(d)))
      return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

}  // namespace modelmux::json_util
