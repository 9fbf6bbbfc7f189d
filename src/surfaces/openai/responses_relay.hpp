// Watching a Responses reply that an OpenAI upstream sends back as it is: its usage for accounting, its
// failure for the record, and the final response object (a whole body, or the response that ends a
// stream: response.completed, .incomplete or .failed) handed over to be stored; and reading such a stream's
// events while the pipeline holds it until its content begins.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <memory>

#include "providers/provider.hpp"

namespace modelmux::surfaces {

std::unique_ptr<providers::ReplyObserver> responses_relay(
    bool stream, std::function<void(const boost::json::object& response)> on_response);

// A Responses stream's events as canonical events (text, reasoning and argument deltas, calls, the finish
// and usage), so that a held stream knows when its content begins; an error event, a failed response or a
// stream that ends before its response does is an Error.
std::unique_ptr<providers::StreamDecoder> responses_stream_decoder();

}  // namespace modelmux::surfaces
