#include "surfaces/surface.hpp"

#include <fmt/format.h>

#include "pipeline/context.hpp"

namespace modelmux::surfaces {
namespace {

// Only a route table that sends an operation to a surface that does not serve it gets here.
std::string not_served(const ClientSurface& s, const pipeline::Context& ctx) {
  return s
      .encode_error(Error::make(ErrorCode::internal, fmt::format("the {} surface does not serve {}", s.name(),
                                                                 pipeline::to_string(ctx.op))))
      .body;
}

}  // namespace

std::string ClientSurface::encode_embeddings(const pipeline::Context& ctx) const {
  return not_served(*this, ctx);
}
std::string ClientSurface::encode_images(const pipeline::Context& ctx) const {
  return not_served(*this, ctx);
}

}  // namespace modelmux::surfaces
