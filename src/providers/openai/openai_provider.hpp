// OpenAI and every upstream that speaks its chat-completions wire format.
#pragma once

#include "providers/provider.hpp"

namespace modelmux::providers {

class OpenAiProvider : public Provider {
 public:
  OpenAiProvider(std::string name, std::string default_base)
      : name_(std::move(name)), default_base_(std::move(default_base)) {}

  std::string_view name() const override { return name_; }
  Wire wire() const override { return Wire::openai_chat; }
  std::string default_api_base() const override { return default_base_; }
  void prepare(Target& target) const override;

  Result<http::ClientRequest> build_chat(const ChatRequest& req, const Target& target) const override;
  Result<http::ClientRequest> build_passthrough(std::string_view body, const boost::json::object& parsed,
                                                const Target& target, bool add_stream_usage) const override;
  Result<ChatResponse> decode_chat(std::string_view body, const ChatRequest& req) const override;
  std::unique_ptr<StreamDecoder> stream_decoder(const ChatRequest& req) const override;
  std::unique_ptr<ReplyObserver> reply_observer(bool stream, bool hide_stream_usage) const override;
  Error map_error(int status, std::string_view retry_after, std::string_view body) const override;

 protected:
  http::ClientRequest request_for(const Target& target, std::string body, bool stream) const;

 private:
  std::string name_;
  std::string default_base_;
};

// OpenAI's error body {"error":{"message",...}} and its common variants, as (message, code) text.
std::pair<std::string, std::string> openai_error_fields(std::string_view body);

}  // namespace modelmux::providers
