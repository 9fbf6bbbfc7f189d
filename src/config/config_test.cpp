#include "config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "routing/catalog.hpp"

using namespace modelmux::config;
using ::testing::HasSubstr;

namespace {

std::string error_of(const std::string& yaml) {
  try {
    Config c = load_string(yaml, "cfg.yaml");
    modelmux::routing::Catalog catalog(c);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Config, LoadsTheDocumentedShape) {
  setenv("MODELMUX_TEST_KEY", "sk-test", 1);
  auto c = load_string(R"(server:
  listen: 0.0.0.0:8080
  max_body_bytes: 2048
models:
  - name: fast
    targets:
      - provider: openai
        model: gpt-4o-mini
        api_key: ${MODELMUX_TEST_KEY}
      - provider: openai_compatible
        model: llama
        api_base: http://127.0.0.1:9000/v1/
        api_key: ${UNSET_MODELMUX_VAR:-none}
        timeouts: {connect_ms: 100}
)",
                       "cfg.yaml");
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_EQ(c.server.max_body_bytes, 2048u);
  ASSERT_EQ(c.models.size(), 1u);
  ASSERT_EQ(c.models[0].targets.size(), 2u);
  EXPECT_EQ(c.models[0].targets[0].api_key, "sk-test");
  EXPECT_EQ(c.models[0].targets[1].api_key, "none");
  EXPECT_EQ(c.models[0].targets[1].api_base, "http://127.0.0.1:9000/v1");
  EXPECT_EQ(c.models[0].targets[1].timeouts.connect.count(), 100);
  modelmux::routing::Catalog catalog(c);
  ASSERT_NE(catalog.find("fast"), nullptr);
  EXPECT_EQ(catalog.find("fast")->targets[0].base.host, "api.openai.com");
  EXPECT_EQ(catalog.find("slow"), nullptr);
}

TEST(Config, ErrorsNameFileLineKeyAndProblem) {
  EXPECT_THAT(error_of("models:\n  - name: a\n    targets:\n      - provider: nope\n        model: m\n"),
              HasSubstr("cfg.yaml:4: models[0].targets[0].provider: unknown provider \"nope\""));
  EXPECT_THAT(error_of("models:\n  - targets:\n      - provider: mock\n        model: m\n"),
              HasSubstr("cfg.yaml:2: models[0].name: is required"));
  EXPECT_THAT(error_of("server:\n  listen: 127.0.0.1:4000\n  lisen: x\nmodels: []\n"),
              HasSubstr("cfg.yaml:3: server.lisen: unknown key"));
  EXPECT_THAT(error_of("server:\n  threads: many\nmodels: []\n"),
              HasSubstr("cfg.yaml:2: server.threads: \"many\" is not an integer"));
  EXPECT_THAT(error_of("models:\n  - name: a\n    targets: [\n"), HasSubstr("cfg.yaml:"));
  EXPECT_THAT(error_of("models:\n  - name: a\n    targets: [\n"), HasSubstr("YAML syntax error"));
  EXPECT_THAT(
      error_of("models:\n  - name: a\n    targets:\n      - provider: mock\n        model: m\n        "
               "api_key: ${MODELMUX_SURELY_UNSET}\n"),
      HasSubstr(
          "cfg.yaml:6: models[0].targets[0].api_key: environment variable MODELMUX_SURELY_UNSET is not set"));
  EXPECT_THAT(
      error_of("models:\n  - name: a\n    targets:\n      - provider: openai_compatible\n        model: m\n"),
      HasSubstr("models[0].targets[0].api_base: is required for provider openai_compatible"));
  EXPECT_THAT(error_of("models:\n  - name: a\n    targets:\n      - {provider: mock, model: m}\n  - name: "
                       "a\n    targets:\n      - {provider: mock, model: m}\n"),
              HasSubstr("cfg.yaml:5: models[1].name: duplicate model name"));
  EXPECT_THAT(error_of(""), HasSubstr("cfg.yaml:1: the configuration is empty"));
}

TEST(Config, BuiltInDefaultsServeTheMock) {
  unsetenv("OPENAI_API_KEY");
  auto c = builtin_defaults();
  EXPECT_EQ(c.server.port, 4000);
  ASSERT_EQ(c.models.size(), 1u);
  EXPECT_EQ(c.models[0].name, "mock");
  setenv("OPENAI_API_KEY", "sk-x", 1);
  auto with_key = builtin_defaults();
  EXPECT_GT(with_key.models.size(), 1u);
  EXPECT_EQ(with_key.models[1].targets[0].provider, "openai");
  unsetenv("OPENAI_API_KEY");
}

// A provider's own keys are kept for it as written, with their lines; the provider checks them when the
// target is made (providers/provider_config_test.cpp).
TEST(Config, KeysOfOneProviderAreKeptForIt) {
  Config c = load_string(
      "models:\n  - name: a\n    targets:\n      - provider: sagemaker\n        model: m\n"
      "        sagemaker_format: tgi\n",
      "cfg.yaml");
  const auto* key = c.models.at(0).targets.at(0).provider_keys.find("sagemaker_format");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->value, "tgi");
  EXPECT_EQ(key->origin.line, 6);
  EXPECT_EQ(key->origin.key, "models[0].targets[0].sagemaker_format");
  EXPECT_THAT(error_of("models:\n  - name: a\n    targets:\n      - provider: sagemaker\n        model: m\n"
                       "        aws_region: \"a\\nb\"\n"),
              HasSubstr("cfg.yaml:6: models[0].targets[0].aws_region: must not contain line breaks"));
}
