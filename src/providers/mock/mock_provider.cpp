#include "providers/mock/mock_provider.hpp"

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "providers/mock/generator.hpp"

namespace json = boost::json;

namespace modelmux::providers {

asio::awaitable<Result<std::unique_ptr<http::Reply>>> MockProvider::send(const Target&,
                                                                         http::ClientRequest request) const {
  boost::system::error_code ec;
  auto v = json_util::parse(request.body, ec);
  std::unique_ptr<http::Reply> reply;
  if (ec || !v.is_object()) {
    reply = std::make_unique<http::MemoryReply>(
        400, http::Headers{{"content-type", "application/json"}},
        mock::error_body("We could not parse the JSON body of your request.", "invalid_request_error", ""));
  } else if (std::string_view(request.target).ends_with("/embeddings")) {
    auto body = mock::embeddings(v.get_object());
    reply = body ? std::make_unique<http::MemoryReply>(
                       200, http::Headers{{"content-type", "application/json"}}, std::move(*body))
                 : std::make_unique<http::MemoryReply>(
                       400, http::Headers{{"content-type", "application/json"}},
                       mock::error_body(body.error().message, "invalid_request_error", ""));
  } else if (auto ok = mock::validate(v.get_object()); !ok) {
    reply = std::make_unique<http::MemoryReply>(
        400, http::Headers{{"content-type", "application/json"}},
        mock::error_body(ok.error().message, "invalid_request_error", ""));
  } else {
    const auto& req = v.get_object();
    bool stream = false;
    if (auto* s = req.if_contains("stream"); s && s->is_bool()) stream = s->get_bool();
    if (stream) {
      std::string body;
      for (auto& f : mock::stream_frames(req, {})) body += f;
      reply = std::make_unique<http::MemoryReply>(200, http::Headers{{"content-type", "text/event-stream"}},
                                                  std::move(body));
    } else {
      reply = std::make_unique<http::MemoryReply>(200, http::Headers{{"content-type", "application/json"}},
                                                  mock::completion(req, {}));
    }
  }
  co_return reply;
}

}  // namespace modelmux::providers
