// libmodelmux in-process: a chat call and a streamed chat call against the built-in mock model, no HTTP
// server involved. Build: it is part of the CMake project (target example_chat).
#include <iostream>

#include "modelmux/modelmux.hpp"

int main(int argc, char** argv) {
  modelmux::Gateway gateway =
      argc > 1 ? modelmux::Gateway::from_file(argv[1]) : modelmux::Gateway::with_defaults();

  modelmux::ChatRequest req;
  req.model = "mock";
  req.messages.push_back({modelmux::Role::user, {{modelmux::ContentPart::Kind::text, "Say hello"}}});

  auto reply = gateway.chat(req);
  if (!reply) {
    std::cerr << "chat failed: " << reply.error().message << "\n";
    return 1;
  }
  std::cout << "reply: " << reply->message.text() << "\n";

  std::string streamed;
  auto usage = gateway.chat_stream(req, [&](const modelmux::StreamEvent& ev) {
    if (ev.kind == modelmux::StreamEvent::Kind::text_delta) streamed += ev.text;
  });
  if (!usage) {
    std::cerr << "stream failed: " << usage.error().message << "\n";
    return 1;
  }
  std::cout << "streamed: " << streamed << "\n";
  if (*usage)
    std::cout << "tokens: " << (*usage)->input_tokens << " in, " << (*usage)->output_tokens << " out\n";
  return streamed == reply->message.text() ? 0 : 1;
}
