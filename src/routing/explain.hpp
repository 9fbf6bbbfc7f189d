// The route explainer: a plan in words and numbers (POST /v1/route, `modelmux route`), and every
// target's live state (GET /health/targets).
#pragma once

#include <boost/json/object.hpp>

#include "routing/catalog.hpp"
#include "routing/router.hpp"

namespace modelmux::routing {

boost::json::object explain(const Plan& plan, Nanos now);
boost::json::object targets_health(const Catalog& catalog, Nanos now);

}  // namespace modelmux::routing
