// What AWS-signed providers (bedrock, and later sagemaker) share: resolving a target's credentials and
// region at load, and building a SigV4-signed JSON POST per request.
#pragma once

#include <string>
#include <string_view>

#include "providers/provider.hpp"

namespace modelmux::aws {

// Resolves credentials and region into target.cfg (a config error naming the target when there are
// none), points the target at https://{host_prefix}.{region}.amazonaws.com unless api_base is set, and
// renders its fixed headers with `stream_accept` for streamed requests.
void prepare_target(providers::Target& target, std::string_view host_prefix, std::string_view stream_accept);

// A POST of `body` to `path` (already percent-encoded) with the target's prepared headers, signed for
// `service` at the target's clock: x-amz-date, x-amz-content-sha256, x-amz-security-token (temporary
// credentials only) and authorization.
http::ClientRequest signed_post(const providers::Target& target, std::string path, std::string body, bool stream,
                                std::string_view service, std::string_view stream_accept);

}  // namespace modelmux::aws
