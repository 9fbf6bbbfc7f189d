// Canonical replies as Responses-API response objects: output items (reasoning summaries, the message,
// function calls), status (completed, incomplete with its reason, failed), usage; and canonical stream
// events as the Responses API's typed events (response.created ... response.completed), numbered in order.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "modelmux/chat.hpp"
#include "modelmux/error.hpp"

namespace modelmux::openai::responses {

// Who a response is: its id, when it was made, the model the client named, and the fields it repeats
// from its request (Request::echo).
struct Head {
  std::string id;
  std::int64_t created_at = 0;
  std::string model;
  boost::json::object echo;
};

// The output items of a whole reply; their ids are made from the response's.
boost::json::array output_items(const Message& message, std::string_view response_id);

boost::json::object encode_usage(const Usage& u);
// The Responses API's usage (an OpenAI upstream's) as canonical usage.
Usage decode_usage(const boost::json::object& u);

// The response object. `status` follows from the finish reason unless an error makes it "failed".
boost::json::object response_object(const Head& head, std::string_view status, boost::json::array output,
                                    const std::optional<Usage>& usage, FinishReason finish,
                                    const Error* error = nullptr);
boost::json::object encode_response(const Head& head, const ChatResponse& reply);

// "completed", or "incomplete" for a reply cut by its token limit or a content filter.
std::string_view status_of(FinishReason finish);

// The `error` event (code, message, param) numbered `sequence`, as an SSE frame appended to `out`.
void error_event(const Error& err, std::int64_t sequence, std::string& out);

// Canonical stream events into the Responses API's events, each an SSE frame (`event:` and `data:`) with
// its sequence_number. finish() closes what is open and ends with response.completed (or .incomplete);
// fail() ends with an error event and response.failed. Either hands the final response object to
// `on_end`, which stores it.
class EventEncoder {
 public:
  using OnEnd = std::function<void(const boost::json::object& response)>;
  EventEncoder(Head head, OnEnd on_end) : head_(std::move(head)), on_end_(std::move(on_end)) {}

  void encode(const StreamEvent& ev, std::string& out);
  void finish(std::string& out);
  void fail(const Error& err, std::string& out);

 private:
  struct Item {
    boost::json::object json;  // as output_item.added announced it, completed by done
    std::string text;          // the message's text, the reasoning summary or the call's arguments
    bool open = true;
  };
  void begin(std::string& out);
  void emit(std::string_view type, boost::json::object payload, std::string& out);
  std::size_t open_item(std::string_view type, std::string& out);  // a message or reasoning item
  void close(std::size_t index, std::string& out);
  void close_all_but(std::string_view kind, std::string& out);
  boost::json::array output() const;

  Head head_;
  OnEnd on_end_;
  std::int64_t sequence_ = 0;
  bool begun_ = false, ended_ = false;
  std::vector<Item> items_;
  std::optional<std::size_t> message_, reasoning_;
  std::vector<std::pair<int, std::size_t>> calls_;  // the upstream's tool index -> output index
  FinishReason finish_ = FinishReason::none;
  std::optional<Usage> usage_;
};

}  // namespace modelmux::openai::responses
