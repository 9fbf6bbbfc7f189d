// What AWS-signed providers (bedrock, and later sagemaker) share: resolving a target's credentials and
// region at load, and building a SigV4-signed JSON POST per request.
#pragma once

#include <string>
#include <string_view>

#include "providers/aws/sigv4.hpp"
#include "providers/provider.hpp"

namespace modelmux::aws {

// The keys an AWS-signed target may set (credentials.hpp says where what they leave unset comes from).
inline constexpr std::string_view kConfigKeys[] = {"aws_access_key_id", "aws_secret_access_key",
                                                   "aws_session_token", "aws_region",
                                                   "aws_profile",       "aws_credential"};

// What an AWS-signed target signs with, resolved once.
struct AwsState : providers::TargetState {
  Credentials credentials;
  std::string region;
  void secrets(std::vector<std::string>& out) const override {
    out.insert(out.end(),
               {credentials.access_key_id, credentials.secret_access_key, credentials.session_token});
  }
};

// Resolves credentials and region into the target's state (a config error naming the target when there
// are none), points the target at https://{host_prefix}.{region}.amazonaws.com unless api_base is set, and
// renders its fixed headers with `stream_accept` for streamed requests.
void prepare_target(providers::Target& target, std::string_view host_prefix, std::string_view stream_accept);

// A POST of `body` to `path` (already percent-encoded) with the target's prepared headers, signed for
// `service` at the target's clock: x-amz-date, x-amz-content-sha256, x-amz-security-token (temporary
// credentials only) and authorization.
http::ClientRequest signed_post(const providers::Target& target, std::string path, std::string body,
                                bool stream, std::string_view service, std::string_view stream_accept);

}  // namespace modelmux::aws
