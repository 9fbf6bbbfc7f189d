// Every provider adapter, one line each.
#include "providers/anthropic/anthropic_provider.hpp"
#include "providers/mock/mock_provider.hpp"
#include "providers/openai/openai_provider.hpp"
#include "providers/provider.hpp"

namespace modelmux::providers {
namespace {

const std::vector<const Provider*>& all() {
  static const OpenAiProvider openai("openai", "https://api.openai.com/v1");
  static const OpenAiProvider openai_compatible("openai_compatible", "");
  static const MockProvider mock;
  static const AnthropicProvider anthropic;
  static const std::vector<const Provider*> list{&openai, &openai_compatible, &mock, &anthropic};
  return list;
}

}  // namespace

const Provider* find(std::string_view name) {
  for (const auto* p : all())
    if (p->name() == name) return p;
  return nullptr;
}

std::vector<std::string_view> names() {
  std::vector<std::string_view> out;
  for (const auto* p : all()) out.push_back(p->name());
  return out;
}

}  // namespace modelmux::providers
