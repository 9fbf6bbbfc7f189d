// Embeddings go through chat's route and attempts stages: this is the chat request they plan with (the
// model, and the inputs as one user message, so the router estimates input tokens as for chat).
#pragma once

#include "modelmux/chat.hpp"
#include "modelmux/embeddings.hpp"

namespace modelmux::pipeline {

inline ChatRequest planning_stand_in(const EmbeddingsRequest& req) {
  ChatRequest chat;
  chat.model = req.model;
  std::string text;
  for (const auto& s : req.inputs) {
    if (!text.empty()) text.push_back('\n');
    text += s;
  }
  Message m;
  m.role = Role::user;
  m.content.push_back(ContentPart{.text = std::move(text)});
  chat.messages.push_back(std::move(m));
  return chat;
}

}  // namespace modelmux::pipeline
