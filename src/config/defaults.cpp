// The built-in defaults: the in-process `mock` model, and OpenAI's models when OPENAI_API_KEY is set (at
// OPENAI_BASE_URL when that is set too), so `modelmux serve` and the library run with no file at all.
#include <cstdlib>

#include "config/config.hpp"

namespace modelmux::config {

Config builtin_defaults() {
  static const char* kDefaults = R"(server:
  listen: 127.0.0.1:4000
models:
  - name: mock
    targets:
      - provider: mock
        model: mock
)";
  Config cfg = load_string(kDefaults, "<built-in defaults>");
  if (const char* key = std::getenv("OPENAI_API_KEY"); key && *key) {
    for (const char* m :
         {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3", "o4-mini"}) {
      ModelConfig mc;
      mc.origin = {cfg.source, 0, "OPENAI_API_KEY"};
      mc.name = m;
      TargetConfig t;
      t.origin = mc.origin;
      t.provider = "openai";
      t.model = m;
      t.api_key = key;
      // The OpenAI SDKs' own variable for another base URL (a proxy, a compatible service).
      if (const char* base = std::getenv("OPENAI_BASE_URL"); base && *base) {
        t.api_base = base;
        while (!t.api_base.empty() && t.api_base.back() == '/') t.api_base.pop_back();
      }
      mc.targets.push_back(std::move(t));
      cfg.models.push_back(std::move(mc));
    }
  }
  return cfg;
}

}  // namespace modelmux::config
