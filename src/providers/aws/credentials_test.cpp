// Credential and region resolution: the target's keys, the environment, the shared files and their
// profiles, and the errors when nothing is found. Each test runs with a clean AWS environment and its own
// temporary HOME.
#include "providers/aws/credentials.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace modelmux::aws {
namespace {

namespace fs = std::filesystem;

class AwsCredentials : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : kVars) {
      if (const char* old = std::getenv(v)) saved_.emplace_back(v, old);
      unsetenv(v);
    }
    home_ = fs::temp_directory_path() / ("modelmux-aws-" + std::to_string(::getpid()));
    fs::create_directories(home_ / ".aws");
    setenv("HOME", home_.c_str(), 1);
  }
  void TearDown() override {
    fs::remove_all(home_);
    for (const char* v : kVars) unsetenv(v);
    for (const auto& [k, v] : saved_) setenv(k.c_str(), v.c_str(), 1);
  }
  void write(const std::string& relative, const std::string& text) {
    std::ofstream(home_ / relative) << text;
  }
  static config::TargetConfig target() {
    config::TargetConfig t;
    t.provider = std::string("bedrock");
    t.model = std::string("m");
    t.origin = {std::string("cfg.yaml"), 7, std::string("models[0].targets[0].provider")};
    return t;
  }
  static std::string error_of(const config::TargetConfig& t) {
    try {
      resolve_credentials(t);
    } catch (const config::ConfigError& e) {
      return e.what();
    }
    return "<no error>";
  }

  static constexpr const char* kVars[] = {
      "HOME",           "AWS_ACCESS_KEY_ID",  "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
      "AWS_REGION",     "AWS_DEFAULT_REGION", "AWS_PROFILE",           "AWS_SHARED_CREDENTIALS_FILE",
      "AWS_CONFIG_FILE"};
  std::vector<std::pair<std::string, std::string>> saved_;
  fs::path home_;
};

TEST_F(AwsCredentials, TargetKeysComeFirst) {
  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  setenv("AWS_REGION", "eu-west-1", 1);
  auto t = target();
  t.provider_keys.set("aws_access_key_id", {"CFGKEY", {}});
  t.provider_keys.set("aws_secret_access_key", {"cfgsecret", {}});
  t.provider_keys.set("aws_session_token", {"cfgtoken", {}});
  t.provider_keys.set("aws_region", {"us-east-2", {}});
  auto r = resolve_credentials(t);
  EXPECT_EQ(r.credentials.access_key_id, "CFGKEY");
  EXPECT_EQ(r.credentials.secret_access_key, "cfgsecret");
  EXPECT_EQ(r.credentials.session_token, "cfgtoken");
  EXPECT_EQ(r.region, "us-east-2");
}

TEST_F(AwsCredentials, HalfAKeyPairIsAnError) {
  auto t = target();
  t.provider_keys.set("aws_access_key_id", {"CFGKEY", {}});
  EXPECT_EQ(error_of(t),
            "cfg.yaml:7: models[0].targets[0].provider: aws_access_key_id and aws_secret_access_key must be "
            "set together");
}

TEST_F(AwsCredentials, EnvironmentThenRegionVariables) {
  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  setenv("AWS_SESSION_TOKEN", "envtoken", 1);
  setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
  auto r = resolve_credentials(target());
  EXPECT_EQ(r.credentials.access_key_id, "ENVKEY");
  EXPECT_EQ(r.credentials.session_token, "envtoken");
  EXPECT_EQ(r.region, "ap-south-1");
  setenv("AWS_REGION", "us-west-2", 1);  // AWS_REGION wins over AWS_DEFAULT_REGION
  EXPECT_EQ(resolve_credentials(target()).region, "us-west-2");
}

TEST_F(AwsCredentials, DefaultProfileFromTheSharedFiles) {
  write(".aws/credentials",
        "# keys\n[other]\naws_access_key_id = OTHER\naws_secret_access_key = o\n\n"
        "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n");
  write(".aws/config", "[default]\nregion = eu-central-1\n[profile other]\nregion = us-east-1\n");
  auto r = resolve_credentials(target());
  EXPECT_EQ(r.credentials.access_key_id, "FILEKEY");
  EXPECT_EQ(r.credentials.secret_access_key, "filesecret");
  EXPECT_TRUE(r.credentials.session_token.empty());
  EXPECT_EQ(r.region, "eu-central-1");
}

TEST_F(AwsCredentials, NamedProfileSkipsTheEnvironmentKeys) {
  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  write(".aws/credentials",
        "[work]\naws_access_key_id=WORKKEY\naws_secret_access_key=worksecret\naws_session_token=wt\n");
  write(".aws/config", "[profile work]\nregion=us-west-2\n");
  auto t = target();
  t.provider_keys.set("aws_profile", {"work", {}});
  auto r = resolve_credentials(t);
  EXPECT_EQ(r.credentials.access_key_id, "WORKKEY");
  EXPECT_EQ(r.credentials.session_token, "wt");
  EXPECT_EQ(r.region, "us-west-2");
  setenv("AWS_PROFILE", "work", 1);  // the same through the environment
  EXPECT_EQ(resolve_credentials(target()).credentials.access_key_id, "WORKKEY");
}

TEST_F(AwsCredentials, FileLocationsFromTheEnvironment) {
  write("creds.ini", "[p]\naws_access_key_id=ALTKEY\naws_secret_access_key=alt\n");
  write("conf.ini", "[profile p]\nregion = sa-east-1\n");
  setenv("AWS_SHARED_CREDENTIALS_FILE", (home_ / "creds.ini").c_str(), 1);
  setenv("AWS_CONFIG_FILE", (home_ / "conf.ini").c_str(), 1);
  setenv("AWS_PROFILE", "p", 1);
  auto r = resolve_credentials(target());
  EXPECT_EQ(r.credentials.access_key_id, "ALTKEY");
  EXPECT_EQ(r.region, "sa-east-1");
}

TEST_F(AwsCredentials, KeysInTheConfigFileAlsoCount) {
  write(".aws/config",
        "[profile sso]\naws_access_key_id=CFGFILEKEY\naws_secret_access_key=s\nregion=us-east-1\n");
  auto t = target();
  t.provider_keys.set("aws_profile", {"sso", {}});
  EXPECT_EQ(resolve_credentials(t).credentials.access_key_id, "CFGFILEKEY");
}

TEST_F(AwsCredentials, MissingThingsAreConfigErrorsAtTheTargetLine) {
  EXPECT_NE(error_of(target()).find("cfg.yaml:7: models[0].targets[0].provider: no AWS credentials"),
            std::string::npos)
      << error_of(target());
  auto t = target();
  t.provider_keys.set("aws_profile", {"ghost", {}});
  EXPECT_NE(error_of(t).find("AWS profile \"ghost\" is in neither"), std::string::npos) << error_of(t);
  t = target();
  t.provider_keys.set("aws_access_key_id", {"K", {}});
  t.provider_keys.set("aws_secret_access_key", {"topsecret", {}});
  std::string e = error_of(t);
  EXPECT_NE(e.find("cfg.yaml:7: models[0].targets[0].provider: no AWS region"), std::string::npos) << e;
  EXPECT_EQ(e.find("topsecret"), std::string::npos) << "secrets never appear in messages";
  t.provider_keys.set("aws_region", {"us-east-1/../x", {}});
  EXPECT_NE(error_of(t).find("is not an AWS region name"), std::string::npos);
}

}  // namespace
}  // namespace modelmux::aws
