// Where a bedrock target's AWS credentials and region come from, resolved once when the target is made:
// the target's own aws_* keys, else the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN), else a profile of the shared files (~/.aws/credentials, ~/.aws/config). As in the AWS
// SDKs, a named profile (aws_profile, or AWS_PROFILE) skips the environment's keys. The region: aws_region,
// else AWS_REGION / AWS_DEFAULT_REGION, else the profile's `region` in the config file.
#pragma once

#include <string>

#include "config/config.hpp"
#include "providers/aws/sigv4.hpp"

namespace modelmux::aws {

struct ResolvedCredentials {
  Credentials credentials;
  std::string region;
  std::string source;  // where the keys came from, for messages: never the keys themselves
};

// Throws config::ConfigError at the target's line when no credentials or no region can be found.
ResolvedCredentials resolve_credentials(const config::TargetConfig& target);

}  // namespace modelmux::aws
