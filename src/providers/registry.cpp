// Every provider adapter, one line each.
#include "providers/anthropic/anthropic_provider.hpp"
#include "providers/bedrock/bedrock_provider.hpp"
#include "providers/gemini/gemini_provider.hpp"
#include "providers/mock/mock_provider.hpp"
#include "providers/ollama/ollama_provider.hpp"
#include "providers/openai/openai_provider.hpp"
#include "providers/provider.hpp"
#include "providers/sagemaker/sagemaker_provider.hpp"

namespace modelmux::providers {
namespace {

const std::vector<const Provider*>& all() {
  static const OpenAiProvider openai({"openai", "https://api.openai.com/v1"});
  static const OpenAiProvider openai_compatible({"openai_compatible", ""});
  static const OpenAiProvider azure({"azure", "", true, /*azure=*/true});
  static const OpenAiProvider groq({"groq", "https://api.groq.com/openai/v1"});
  static const OpenAiProvider together({"together", "https://api.together.xyz/v1"});
  // Mistral refuses request fields it does not know; its streams end with usage anyway.
  static const OpenAiProvider mistral(
      {"mistral", "https://api.mistral.ai/v1", /*accepts_stream_options=*/false});
  static const OpenAiProvider deepseek({"deepseek", "https://api.deepseek.com/v1"});
  static const OpenAiProvider openrouter({"openrouter", "https://openrouter.ai/api/v1"});
  static const OpenAiProvider fireworks({"fireworks", "https://api.fireworks.ai/inference/v1"});
  static const MockProvider mock;
  static const AnthropicProvider anthropic;
  static const OllamaProvider ollama;
  static const GeminiProvider gemini;
  static const BedrockProvider bedrock;
  static const SagemakerProvider sagemaker;
  static const std::vector<const Provider*> list{
      &openai,    &openai_compatible, &azure,  &groq,   &together, &mistral,   &deepseek, &openrouter,
      &fireworks, &anthropic,         &ollama, &gemini, &bedrock,  &sagemaker, &mock};
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
