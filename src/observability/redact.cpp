#include "observability/redact.hpp"

#include <algorithm>
#include <regex>

namespace modelmux::observability {
namespace {

constexpr std::size_t kScrubbedLimit = 1000, kFullLimit = 4000;

// Credentials by their published shapes, and key=value pairs that name one.
const std::regex& credentials() {
  static const std::regex re(
      R"((sk-[A-Za-z0-9_\-]{16,})|(AIza[0-9A-Za-z_\-]{20,})|((AKIA|ASIA)[0-9A-Z]{16})|(eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})|)"
      R"((xox[abprs]-[A-Za-z0-9\-]{10,})|(gh[pousr]_[A-Za-z0-9]{20,})|(hf_[A-Za-z0-9]{20,})|)"
      R"(([Bb]earer\s+[A-Za-z0-9._~+/=\-]{8,})|)"
      R"(((api[_-]?key|access[_-]?key|secret|token|password|passwd|authorization)["']?\s*[:=]\s*["']?[A-Za-z0-9._~+/=\-]{8,}))",
      std::regex::icase | std::regex::optimize);
  return re;
}

// Addresses of the upstream's own network: private, loopback and link-local IPv4, and URLs whose host has no
// dot (an internal DNS name); source file paths of a stack trace.
const std::regex& internals() {
  static const std::regex re(
      R"((\b(10\.\d{1,3}\.\d{1,3}\.\d{1,3}|172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}|192\.168\.\d{1,3}\.\d{1,3}|)"
      R"(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|169\.254\.\d{1,3}\.\d{1,3})(:\d+)?\b)|)"
      R"((https?://[A-Za-z0-9_\-]+(?=[:/\s"'<>]|$)(:\d+)?(/[^\s"'<>]*)?)|)"
      R"(((/[A-Za-z0-9_.\-]+){2,}\.(py|js|mjs|ts|go|rs|java|kt|rb|php|cpp|cc|c|h|hpp|so)\b)|)"
      R"(([A-Za-z]:\\[^\s"'<>]+))",
      std::regex::optimize);
  return re;
}

std::string cut(std::string_view s, std::size_t limit) {
  if (s.size() <= limit) return std::string(s);
  std::size_t n = limit;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // not inside a UTF-8 character
  return std::string(s.substr(0, n)) + "…";
}

}  // namespace

Redactor::Redactor(UpstreamDetail detail, std::vector<std::string> secrets)
    : detail_(detail), secrets_(sorted(std::move(secrets))) {}

std::shared_ptr<const Redactor::List> Redactor::sorted(List secrets) {
  auto out = std::make_shared<List>();
  for (auto& s : secrets)
    if (s.size() >= 4) out->push_back(std::move(s));  // shorter ones would blank ordinary words
  std::sort(out->begin(), out->end(),
            [](const auto& a, const auto& b) { return a.size() != b.size() ? a.size() > b.size() : a < b; });
  out->erase(std::unique(out->begin(), out->end()), out->end());
  return out;
}

void Redactor::learn(std::vector<std::string> more) const {
  std::lock_guard lock(learning_);
  if (auto known = secrets_.load()) more.insert(more.end(), known->begin(), known->end());
  secrets_.store(sorted(std::move(more)));
}

void Redactor::remove_secrets(std::string& text) const {
  auto secrets = secrets_.load();
  if (!secrets) return;
  for (const auto& secret : *secrets)
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 10))
      text.replace(at, secret.size(), "[redacted]");
}

std::string Redactor::scrub(std::string_view text) const {
  std::string out(text);
  remove_secrets(out);
  return std::regex_replace(out, credentials(), "[redacted]");
}

std::string Redactor::upstream_message(std::string_view message, std::string_view what) const {
  switch (detail_) {
    case UpstreamDetail::none:
      return std::string(what);
    case UpstreamDetail::full: {
      std::string out = cut(message, kFullLimit);
      remove_secrets(out);
      return out;
    }
    case UpstreamDetail::scrubbed:
      break;
  }
  // Cut first: the patterns then run over a bounded text, however large the upstream's message.
  std::string out = scrub(cut(message, kScrubbedLimit));
  return std::regex_replace(out, internals(), "[internal]");
}

}  // namespace modelmux::observability
