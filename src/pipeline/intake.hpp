// The first stages every surface runs, before its own decoding: the body as a JSON object, and the route
// from a model name to the group that serves it. Their errors read the same whatever the surface.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <string_view>

#include "http/message.hpp"
#include "observability/access_log.hpp"
#include "pipeline/runtime.hpp"
#include "routing/catalog.hpp"
#include "routing/router.hpp"

namespace modelmux::pipeline {

// Parses a body that must be a JSON object, into `storage`. (Returned rather than assigned: assigning a
// tree to a value with other storage deep-copies it.)
Result<boost::json::value> parse_body(std::string_view body, boost::json::storage_ptr storage = {});

// The route stage: the group serving `model`, or model_not_found naming it.
Result<const routing::ModelGroup*> route(const routing::Catalog& catalog, std::string_view model);

// What the request asks of routing: the strategy from header x-modelmux-strategy or the body's
// `strategy` field (which is removed from `body`, since no upstream knows it; `removed` says so), and
// balanced weights from x-modelmux-weights.
Result<routing::Preferences> preferences(const http::HeaderList& headers, boost::json::object* body, bool& removed,
                                         const config::RoutingConfig& rc);

// The route stage whole: the model's group and the plan of targets for this request.
Result<routing::Plan> plan_route(const Runtime& rt, const ChatRequest& req, const routing::Preferences& prefs,
                                 bool explain = false);

// The route stage of a chat surface: the plan for a decoded request, with its model and stream noted in the
// access record; a routing failure becomes the request's error. (Nothing is planned for a request that
// already failed.)
Result<routing::Plan> route_chat(const Runtime& rt, Result<ChatRequest>& req, const Result<routing::Preferences>& prefs,
                                 observability::AccessRecord& rec);

}  // namespace modelmux::pipeline
