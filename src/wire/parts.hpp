// The one rule for content parts across wires: a part the target's format cannot carry is a 400 naming the
// part, never a silent drop (a client would get a confident answer about a file the model never saw).
#pragma once

#include <fmt/format.h>

#include <string_view>

#include "modelmux/chat.hpp"
#include "modelmux/error.hpp"

namespace modelmux::wire {

// `what` says what the target is ("Ollama", "Anthropic's Messages API"); `why`, when given, what it lacks.
inline Error part_not_carried(const ContentPart& p, std::string_view what, std::string_view why = {}) {
  std::string_view kind = p.kind == ContentPart::Kind::file    ? "a file part"
                          : p.kind == ContentPart::Kind::image ? "an image part"
                          : p.kind == ContentPart::Kind::other ? std::string_view(p.text)
                                                               : "a text part";
  std::string at = p.source.empty() ? std::string("messages") : p.source;
  std::string described =
      p.kind == ContentPart::Kind::other ? fmt::format("a part of type \"{}\"", kind) : std::string(kind);
  return Error::make(
      ErrorCode::invalid_request,
      fmt::format("{}: {} cannot be sent to {}{}{}", at, described, what, why.empty() ? "" : ": ", why), at);
}

// For wires that take no files (or do, `files`): the first part of the request they cannot carry, refused.
inline Result<void> parts_carried(const ChatRequest& req, std::string_view what, bool files) {
  for (const auto& m : req.messages)
    for (const auto& p : m.content)
      if (p.kind == ContentPart::Kind::other || (p.kind == ContentPart::Kind::file && !files))
        return std::unexpected(part_not_carried(p, what));
  return {};
}

}  // namespace modelmux::wire
