#include "providers/aws/sigv4.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "core/digest.hpp"

namespace modelmux::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

using digest::hex;
constexpr auto hmac = digest::hmac_sha256;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Header values are signed trimmed, with runs of spaces folded into one.
std::string fold_spaces(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// "." and ".." resolved, empty segments dropped, as every service but S3 expects.
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    auto seg = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i) out.push_back('/');
    out.append(segments[i]);
  }
  if (!segments.empty() && path.ends_with('/')) out.push_back('/');
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto item = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    std::string key = uri_encode(percent_decode(item.substr(0, eq)), false);
    std::string value =
        eq == std::string_view::npos ? std::string() : uri_encode(percent_decode(item.substr(eq + 1)), false);
    params.emplace_back(std::move(key), std::move(value));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

// Lowercased, sorted, duplicates joined with ',' in the order they came: (canonical block, signed list).
std::pair<std::string, std::string> canonical_headers(const SigningRequest& req) {
  std::vector<std::pair<std::string, std::string>> hs;
  for (const auto& [k, v] : req.headers) hs.emplace_back(lower(k), fold_spaces(v));
  std::stable_sort(hs.begin(), hs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string block, names;
  for (std::size_t i = 0; i < hs.size(); ++i) {
    if (i > 0 && hs[i].first == hs[i - 1].first) {
      block.pop_back();  // the '\n' of the previous value: this one joins it
      block += "," + hs[i].second + "\n";
      continue;
    }
    block += hs[i].first + ":" + hs[i].second + "\n";
    names += (names.empty() ? "" : ";") + hs[i].first;
  }
  return {block, names};
}

std::string short_date(std::string_view amz_date) {
  return std::string(amz_date.substr(0, 8));
}

std::string credential_scope(const Scope& scope, std::string_view amz_date) {
  return fmt::format("{}/{}/{}/aws4_request", short_date(amz_date), scope.region, scope.service);
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

std::string canonical_request(const SigningRequest& req) {
  auto [headers, names] = canonical_headers(req);
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", req.method, uri_encode(normalize_path(req.path), true),
                     canonical_query(req.query), headers, names, req.payload_sha256);
}

std::string string_to_sign(const SigningRequest& req, const Scope& scope, std::string_view amz_date) {
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, credential_scope(scope, amz_date),
                     sha256_hex(canonical_request(req)));
}

std::string signature(const SigningRequest& req, const Scope& scope, const Credentials& creds,
                      std::string_view amz_date) {
  std::string key = hmac("AWS4" + creds.secret_access_key, short_date(amz_date));
  key = hmac(key, scope.region);
  key = hmac(key, scope.service);
  key = hmac(key, "aws4_request");
  std::string sig = hmac(key, string_to_sign(req, scope, amz_date));
  return hex(sig);
}

std::string authorization(const SigningRequest& req, const Scope& scope, const Credentials& creds,
                          std::string_view amz_date) {
  return fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm, creds.access_key_id,
                     credential_scope(scope, amz_date), canonical_headers(req).second,
                     signature(req, scope, creds, amz_date));
}

}  // namespace modelmux::aws
