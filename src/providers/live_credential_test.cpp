// A target whose credential is a stored one: prepared without it until it arrives, then built with it; a
// replaced credential applies to the next request while one already built keeps the value it started with.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "providers/provider.hpp"

using namespace modelmux;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

providers::Target make(std::string_view target) {
  auto cfg = config::load_string("models:\n  - name: a\n    targets:\n      - " + std::string(target) + "\n",
                                 "cfg.yaml");
  return providers::make_target(cfg.models.at(0).targets.at(0));
}

std::string config_error(std::string_view target) {
  try {
    make(target);
    return "";
  } catch (const config::ConfigError& e) {
    return e.what();
  }
}

}  // namespace

TEST(LiveCredential, ARequestKeepsTheValueItWasBuiltWithWhenTheCredentialIsReplaced) {
  auto t = make("{provider: openai, model: m, api_key: 'credential:prod'}");
  ASSERT_TRUE(t.live);
  EXPECT_EQ(t.live->name, "prod");
  EXPECT_EQ(t.cfg.api_key, "");
  EXPECT_THAT(std::string(providers::current(t, false).headers), Not(HasSubstr("authorization")));

  auto first = providers::prepare_with(t, {.api_key = "sk-first-value"});
  ASSERT_TRUE(first);
  t.live->current.store(*first);
  auto in_flight = providers::json_post(t, "{}", false);
  EXPECT_THAT(std::string(in_flight.prepared_headers), HasSubstr("authorization: Bearer sk-first-value\r\n"));

  t.live->current.store(*providers::prepare_with(t, {.api_key = "sk-second-value"}));
  first->reset();  // only the request holds the first value now
  EXPECT_THAT(std::string(in_flight.prepared_headers), HasSubstr("Bearer sk-first-value"));
  auto next = providers::json_post(t, "{}", true);
  EXPECT_THAT(std::string(next.prepared_headers), HasSubstr("Bearer sk-second-value"));
  EXPECT_THAT(std::string(next.prepared_headers), HasSubstr("accept: text/event-stream"));
}

TEST(LiveCredential, AStoredCredentialIsExclusiveWithKeysInTheConfiguration) {
  EXPECT_THAT(config_error("{provider: bedrock, model: m, aws_region: us-east-1, aws_credential: x, "
                           "aws_access_key_id: AKIA, aws_secret_access_key: s}"),
              HasSubstr("aws_credential: is exclusive with aws_access_key_id"));
  EXPECT_THAT(config_error("{provider: openai, model: m, api_key: 'credential:'}"),
              HasSubstr("is not a credential name"));
  auto aws = make("{provider: bedrock, model: m, aws_region: us-east-1, aws_credential: prod-aws}");
  ASSERT_TRUE(aws.live);
  EXPECT_EQ(aws.live->kind, providers::LiveCredential::Kind::aws);
}
