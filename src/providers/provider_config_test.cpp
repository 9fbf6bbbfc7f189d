// Providers own their configuration keys: a key no provider of the target knows is an error at its line,
// and each provider checks its own values with the same FILE:LINE errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "providers/aws/aws_target.hpp"
#include "providers/provider.hpp"
#include "providers/sagemaker/sagemaker_provider.hpp"

using namespace modelmux;
using ::testing::HasSubstr;

namespace {

std::string target_yaml(std::string_view extra) {
  return "models:\n  - name: a\n    targets:\n      - provider: " + std::string(extra) + "\n";
}

// The error making the first target of `yaml` raises, or "" when it is made.
std::string make_error(const std::string& yaml) {
  try {
    auto cfg = config::load_string(yaml, "cfg.yaml");
    providers::make_target(cfg.models.at(0).targets.at(0));
    return "";
  } catch (const config::ConfigError& e) {
    return e.what();
  }
}

providers::Target make(const std::string& yaml) {
  auto cfg = config::load_string(yaml, "cfg.yaml");
  return providers::make_target(cfg.models.at(0).targets.at(0));
}

}  // namespace

TEST(ProviderConfig, AKeyTheProviderDoesNotKnowIsAnErrorAtItsLine) {
  EXPECT_THAT(
      make_error(target_yaml("openai\n        model: m\n        api_version: 2024-10-21")),
      HasSubstr("cfg.yaml:6: models[0].targets[0].api_version: unknown key for provider openai (expected one "
                "of: provider, model, api_base, api_key, weight"));
  EXPECT_THAT(make_error(target_yaml("mock\n        model: m\n        sagemaker_format: tgi")),
              HasSubstr("cfg.yaml:6: models[0].targets[0].sagemaker_format: unknown key for provider mock"));
  EXPECT_THAT(make_error(target_yaml("anthropic\n        model: m\n        aws_region: us-east-1")),
              HasSubstr("unknown key for provider anthropic"));
}

TEST(ProviderConfig, AzureReadsItsApiVersion) {
  auto t =
      make(target_yaml("azure\n        model: dep\n        api_base: https://r.openai.azure.com\n"
                       "        api_version: 2025-01-01-preview"));
  EXPECT_EQ(t.request_path, "/openai/deployments/dep/chat/completions?api-version=2025-01-01-preview");
  auto by_default =
      make(target_yaml("azure\n        model: dep\n        api_base: https://r.openai.azure.com"));
  EXPECT_EQ(by_default.request_path, "/openai/deployments/dep/chat/completions?api-version=2024-10-21");
}

TEST(ProviderConfig, SagemakerChecksItsFormat) {
  std::string aws =
      "\n        aws_access_key_id: AKID\n        aws_secret_access_key: s\n        aws_region: eu-west-1";
  EXPECT_THAT(
      make_error(target_yaml("sagemaker\n        model: ep\n        sagemaker_format: vllm" + aws)),
      HasSubstr("cfg.yaml:6: models[0].targets[0].sagemaker_format: \"vllm\" is not one of: openai, tgi"));
  auto tgi = make(target_yaml("sagemaker\n        model: ep\n        sagemaker_format: tgi" + aws));
  EXPECT_EQ(tgi.provider, &providers::sagemaker_tgi_provider());
  EXPECT_FALSE(tgi.stream_usage);
  auto openai = make(target_yaml("sagemaker\n        model: ep" + aws));
  EXPECT_EQ(openai.provider, providers::find("sagemaker"));
}

TEST(ProviderConfig, AwsProvidersResolveTheirKeysIntoTheTargetState) {
  auto t = make(target_yaml(
      "bedrock\n        model: m\n        aws_access_key_id: AKID\n        aws_secret_access_key: s\n"
      "        aws_region: ap-south-1"));
  const auto& aws = static_cast<const aws::AwsState&>(*t.state);
  EXPECT_EQ(aws.region, "ap-south-1");
  EXPECT_EQ(aws.credentials.access_key_id, "AKID");
  EXPECT_EQ(t.base.host, "bedrock-runtime.ap-south-1.amazonaws.com");
  EXPECT_THAT(make_error(target_yaml(
                  "bedrock\n        model: m\n        aws_access_key_id: AKID\n        aws_region: x")),
              HasSubstr("aws_access_key_id and aws_secret_access_key must be set together"));
}
