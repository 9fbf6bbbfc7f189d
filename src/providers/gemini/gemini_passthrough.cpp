// Gemini clients reaching a Gemini upstream: the body goes as it is (the model is in the path, so nothing in
// it changes: thought signatures, safety settings, Google's own tools all survive), and the reply's bytes
// come back as they are, read for usage on the way.
#include <boost/json.hpp>

#include "core/json_scan.hpp"
#include "core/json_util.hpp"
#include "providers/gemini/gemini_provider.hpp"
#include "wire/gemini/gemini_json.hpp"

namespace json = boost::json;

namespace modelmux::providers {
namespace {

constexpr std::size_t kMaxBody = 4u << 20;

// usageMetadata is cumulative on every chunk: the last one seen is the request's. A chunk that is an error
// object is remembered.
class GeminiReplyObserver final : public ReplyObserver {
 public:
  explicit GeminiReplyObserver(bool stream) : stream_(stream) {}

  void feed(std::string_view bytes, std::string*) override {
    if (!stream_) {
      if (body_.size() < kMaxBody) body_.append(bytes);
      return;
    }
    // Each event is one `data:` line; only lines that mention usage or an error are parsed.
    pending_.append(bytes);
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1)
      line(std::string_view(pending_).substr(start, nl - start));
    pending_.erase(0, start);
    if (pending_.size() > kMaxBody) pending_.clear();
  }

  void finish(std::string*) override {
    if (stream_) {
      line(pending_);
      return;
    }
    auto span = json_scan::find_last_key(body_, "usageMetadata");
    if (span) usage_from(std::string_view(body_).substr(span->begin, span->end - span->begin));
  }

  std::optional<Usage> usage() const override { return usage_; }
  std::optional<Error> error() const override { return error_; }

 private:
  void line(std::string_view l) {
    if (!l.starts_with("data:")) return;
    l.remove_prefix(5);
    if (auto span = json_scan::find_last_key(l, "usageMetadata"))
      usage_from(l.substr(span->begin, span->end - span->begin));
    if (l.find("\"error\"") == std::string_view::npos) return;
    boost::system::error_code ec;
    auto v = json_util::parse(l, ec);
    if (ec || !v.is_object()) return;
    if (auto* e = v.get_object().if_contains("error"); e && e->is_object())
      error_ = gemini::error_of(0, {}, e->get_object());
  }

  void usage_from(std::string_view object_text) {
    boost::system::error_code ec;
    auto v = json_util::parse(object_text, ec);
    if (!ec && v.is_object()) usage_ = gemini::usage_of(v.get_object());
  }

  bool stream_;
  std::string body_, pending_;
  std::optional<Usage> usage_;
  std::optional<Error> error_;
};

}  // namespace

Result<http::ClientRequest> GeminiProvider::build_passthrough(const PassthroughBody& client,
                                                              const Target& target) const {
  auto request = json_post(target, std::string(client.text), client.stream);
  if (client.stream) request.target = stream_path(target);
  return request;
}

std::unique_ptr<ReplyObserver> GeminiProvider::reply_observer(bool stream, bool) const {
  return std::make_unique<GeminiReplyObserver>(stream);
}

}  // namespace modelmux::providers
