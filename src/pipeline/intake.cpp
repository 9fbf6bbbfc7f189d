#include "pipeline/intake.hpp"

#include <fmt/format.h>

#include "core/json_util.hpp"

namespace modelmux::pipeline {

Result<boost::json::value> parse_body(std::string_view body, boost::json::storage_ptr storage) {
  boost::system::error_code ec;
  boost::json::value tree = json_util::parse(body, ec, std::move(storage));
  if (ec) return fail(ErrorCode::invalid_json, fmt::format("request body is not valid JSON: {}", ec.message()));
  if (!tree.is_object()) return fail(ErrorCode::invalid_request, "request body must be a JSON object");
  return tree;
}

Result<const routing::ModelGroup*> route(const routing::Catalog& catalog, std::string_view model) {
  if (const auto* group = catalog.find(model)) return group;
  return fail(ErrorCode::model_not_found,
              fmt::format("The model `{}` does not exist or is not configured in modelmux", model), "model");
}

}  // namespace modelmux::pipeline
