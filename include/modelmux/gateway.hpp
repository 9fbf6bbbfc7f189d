// libmodelmux: the gateway's pipeline in-process, without the HTTP server. A Gateway is built from a
// configuration (or the built-in defaults) and serves chat calls against its model names.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "modelmux/chat.hpp"
#include "modelmux/embeddings.hpp"
#include "modelmux/error.hpp"

namespace modelmux {

class Gateway {
 public:
  // Throw std::runtime_error with a file:line message when the configuration is wrong.
  static Gateway with_defaults();
  static Gateway from_file(const std::string& path);
  static Gateway from_yaml(const std::string& yaml);

  Gateway(Gateway&&) noexcept;
  Gateway& operator=(Gateway&&) noexcept;
  ~Gateway();

  // Blocking calls; safe from several threads (they take turns on the gateway's connections).
  Result<ChatResponse> chat(const ChatRequest& request);
  // Calls on_event for each streamed event as it arrives; returns the usage when the upstream sent one.
  Result<std::optional<Usage>> chat_stream(const ChatRequest& request,
                                           const std::function<void(const StreamEvent&)>& on_event);

  // Vectors for req.inputs from the model's targets (token-id inputs are for the HTTP surface only).
  Result<EmbeddingsResponse> embed(const EmbeddingsRequest& request);

  std::vector<std::string> models() const;

 private:
  struct Impl;
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace modelmux
