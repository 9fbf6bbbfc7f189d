// OpenAI's Responses API requests (POST /v1/responses) into the canonical chat request: input given as a
// string or as items (messages, function calls and their outputs, reasoning, references to stored items),
// instructions, function tools, tool_choice, text.format, reasoning, max_output_tokens. Every problem is a
// 400 naming the field, and so is anything the canonical model cannot carry (a tool only OpenAI hosts, an
// item of such a tool): refused, never dropped.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "modelmux/chat.hpp"
#include "modelmux/error.hpp"

namespace modelmux::openai::responses {

// What of a request is not the canonical request's: what the response object repeats, and what storing it
// needs.
struct Request {
  std::string previous_response_id;
  bool store = true;
  // The request's own input as items: a string becomes one user message, item references are replaced by
  // the items they name, and items without an id get one (input_items lists them by id).
  boost::json::array input_items;
  // The fields every response object repeats from its request (instructions, tools, text, ...), defaults
  // filled in as OpenAI fills them.
  boost::json::object echo;
  // The first thing only an OpenAI target given the body as it is can serve (a tool OpenAI hosts, its
  // items, a parameter this gateway does not translate): every other target answers this 400.
  std::optional<Error> openai_only;
};

// An item_reference's item: a stored response's item in the caller's scope, or nullopt.
using ItemLookup = std::function<std::optional<boost::json::value>(std::string_view id)>;

// The previous_response_id a body names ("" when none); a 400 when it is not a string.
Result<std::string> previous_response_id(const boost::json::object& body);

// Decodes `body` into `out`. `history` is the conversation previous_response_id continues (its items,
// oldest first), decoded before the request's own input; `response_id` names the ids given to input items.
Result<Request> decode_request(const boost::json::object& body, const boost::json::array& history,
                               const ItemLookup& lookup, std::string_view response_id, ChatRequest& out);

// Items (input or output) appended to `out` as canonical messages; errors name `field`[i]. With
// `openai_only`, items of OpenAI's hosted tools are skipped and the first noted there instead of refused.
Result<void> append_items(const boost::json::array& items, std::string_view field, std::vector<Message>& out,
                          std::optional<Error>* openai_only = nullptr);

// An item's id, made from its response's: "msg_" + the response id's random part + tag + index (input items
// are tagged "in", so that they never share an id with an output item).
std::string item_id(std::string_view prefix, std::string_view response_id, std::size_t index,
                    std::string_view tag = {});

}  // namespace modelmux::openai::responses
