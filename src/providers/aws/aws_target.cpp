#include "providers/aws/aws_target.hpp"

#include "providers/aws/credentials.hpp"
#include "providers/aws/sigv4.hpp"

namespace modelmux::aws {

void prepare_target(providers::Target& target, std::string_view host_prefix, std::string_view stream_accept) {
  auto resolved = resolve_credentials(target.cfg);
  auto state = std::make_shared<AwsState>();
  state->credentials = resolved.credentials;
  state->region = resolved.region;
  target.state = state;
  if (target.cfg.api_base.empty()) {
    auto url =
        http::parse_url("https://" + std::string(host_prefix) + "." + resolved.region + ".amazonaws.com");
    if (!url) config::raise(target.cfg.origin, url.error().message);
    target.base = *url;
  }
  providers::prepare_json_headers(target, stream_accept, "");
}

http::ClientRequest signed_post(const providers::Target& target, std::string path, std::string body,
                                bool stream, std::string_view service, std::string_view stream_accept) {
  auto now = providers::current(target, stream);
  const auto& aws = static_cast<const AwsState&>(*now.state);
  std::string date = amz_date(target.clock ? target.clock() : std::chrono::system_clock::now());
  std::string hash = sha256_hex(body);
  // The signed headers carry the same values prepare_json_headers rendered for this request.
  SigningRequest signing{"POST",
                         path,
                         "",
                         {{"host", target.base.host_header()},
                          {"content-type", "application/json"},
                          {"accept", std::string(stream ? stream_accept : "application/json")},
                          {"x-amz-content-sha256", hash},
                          {"x-amz-date", date}},
                         hash};
  if (!aws.credentials.session_token.empty())
    signing.headers.emplace_back("x-amz-security-token", aws.credentials.session_token);
  std::string auth = authorization(signing, {aws.region, std::string(service)}, aws.credentials, date);

  http::ClientRequest r;
  r.method = "POST";
  r.target = std::move(path);
  r.prepared_headers = now.headers;
  r.keep_alive = std::move(now.keep_alive);
  for (std::size_t i = 3; i < signing.headers.size(); ++i) r.headers.push_back(std::move(signing.headers[i]));
  r.headers.emplace_back("authorization", std::move(auth));
  r.body = std::move(body);
  return r;
}

}  // namespace modelmux::aws
