// What an upstream's error message may show to clients and logs: bounded in size, and scrubbed of every
// secret the configuration holds (keys, AWS credentials, header values) and of what looks like a credential,
// an internal address or a source file path. Upstream messages stay useful ("context length exceeded"); how
// much of them goes out is the operator's choice (errors.upstream_detail).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace modelmux::observability {

enum class UpstreamDetail : unsigned char {
  full,      // the upstream's words, configured secrets removed, cut at 4,000 characters
  scrubbed,  // also without credentials, internal addresses and file paths, cut at 1,000 (the default)
  none,      // only that the upstream failed, and how
};

class Redactor {
 public:
  Redactor() = default;
  Redactor(UpstreamDetail detail, std::vector<std::string> secrets);

  // An upstream's message as it may be shown; `what` stands in for it under `none` ("anthropic upstream
  // returned 400").
  std::string upstream_message(std::string_view message, std::string_view what) const;
  // `text` without configured secrets and credential-like strings, whatever the detail level.
  std::string scrub(std::string_view text) const;
  // Adds secrets that arrived after start (a stored credential replaced through the admin API). Rare:
  // copies the list; readers keep the one they started with.
  void learn(std::vector<std::string> more) const;

 private:
  using List = std::vector<std::string>;  // longest first, so a secret containing another goes whole
  static std::shared_ptr<const List> sorted(List secrets);
  void remove_secrets(std::string& text) const;
  UpstreamDetail detail_ = UpstreamDetail::scrubbed;
  mutable std::mutex learning_;
  mutable std::atomic<std::shared_ptr<const List>> secrets_;
};

}  // namespace modelmux::observability
