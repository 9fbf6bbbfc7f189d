// The auth stage: the key the client presented, the way its SDK sends it, checked against the keys the
// store holds (governance on only). Google's clients may send it as `?key=` instead of x-goog-api-key. A
// wrong, blocked, expired or retired key is a 401 invalid_api_key in the client's format; a viewer key may
// read spend but not call models.
#include <fmt/format.h>

#include "http/url.hpp"
#include "pipeline/governed.hpp"
#include "pipeline/stages/stages.hpp"

namespace modelmux::pipeline::stages {

void auth(Context& ctx) {
  const auto& gov = *ctx.rt.governor;
  ctx.gov.at = governance::now_ms();
  if (!ctx.headers) return;
  std::string_view presented = presented_key(*ctx.headers);
  std::optional<std::string> in_query;
  if (presented.empty() && !ctx.query.empty() && (in_query = http::query_value(ctx.query, "key")))
    presented = *in_query;
  auto who = gov.authenticate(presented, ctx.gov.at);
  if (!who) return ctx.fail(std::move(who.error()));
  ctx.gov.who = std::move(*who);
  if (const auto* key = ctx.gov.who.key) {
    ctx.record.key_id = key->id;
    if (key->role == governance::Role::viewer)
      return ctx.fail(Error::make(
          ErrorCode::forbidden,
          fmt::format("The API key {} has the viewer role: it may read spend, not call models", key->id)));
  }
}

}  // namespace modelmux::pipeline::stages
