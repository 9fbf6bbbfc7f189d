// One JSON line per request: id, model, target, status, latencies, tokens, cost and every attempt. It never
// holds credentials: nothing from request headers but the request id is written.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "modelmux/chat.hpp"
#include "modelmux/error.hpp"

namespace modelmux::observability {

struct AttemptRecord {
  std::string target;
  int status = 0;     // upstream status, 0 when none arrived
  std::string error;  // error code, empty on success
  std::chrono::microseconds latency{0};
  std::string reason;  // why it failed, in words (the upstream's message, shortened)
};

struct AccessRecord {
  std::string_view request_id;
  std::string_view method;
  std::string_view path;
  std::string model;
  std::string_view key_id;  // the virtual key's public id (never its secret), when governance is on
  std::string end_user;     // the request's own user id, when it named one
  std::string target;       // the target that served, empty when none did
  unsigned status = 0;
  bool stream = false;
  std::chrono::microseconds total{0};
  std::chrono::microseconds upstream{0};
  std::optional<Usage> usage;
  std::optional<double> cost_usd;  // usage x price table; unset when either is unknown
  std::vector<AttemptRecord> attempts;
  std::string error;  // the error code returned to the client
};

void write_access_log(const AccessRecord& rec);
// Any other event as one JSON line beside the access log: {"ts", "event", ...fields}.
void write_event(std::string_view event, boost::json::object fields);

}  // namespace modelmux::observability
