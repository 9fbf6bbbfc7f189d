#include "observability/access_log.hpp"

#include <unistd.h>

#include <boost/json.hpp>

namespace json = boost::json;

namespace modelmux::observability {
namespace {

void write_line(const json::object& o) {
  std::string line = json::serialize(o);
  line.push_back('\n');
  // One write per line keeps lines whole when several threads log at once.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace

void write_event(std::string_view event, json::object fields) {
  json::object o;
  o["ts"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  o["event"] = event;
  for (auto& [k, v] : fields) o[k] = std::move(v);
  write_line(o);
}

void write_access_log(const AccessRecord& r) {
  auto now = std::chrono::system_clock::now();
  json::object o;
  o["ts"] = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  o["request_id"] = r.request_id;
  o["method"] = r.method;
  o["path"] = r.path;
  if (!r.model.empty()) o["model"] = r.model;
  if (!r.key_id.empty()) o["key_id"] = r.key_id;
  if (!r.end_user.empty()) o["end_user"] = r.end_user;
  if (!r.target.empty()) o["target"] = r.target;
  o["status"] = r.status;
  if (r.stream) o["stream"] = true;
  o["latency_us"] = r.total.count();
  if (r.upstream.count()) o["upstream_us"] = r.upstream.count();
  if (r.usage) {
    o["prompt_tokens"] = r.usage->input_tokens;
    o["completion_tokens"] = r.usage->output_tokens;
    if (r.usage->cached_input_tokens) o["cached_tokens"] = r.usage->cached_input_tokens;
    if (r.usage->cache_write_input_tokens) o["cache_write_tokens"] = r.usage->cache_write_input_tokens;
    if (r.usage->reasoning_tokens) o["reasoning_tokens"] = r.usage->reasoning_tokens;
  }
  if (r.cost_usd) o["cost_usd"] = *r.cost_usd;
  if (!r.error.empty()) o["error"] = r.error;
  if (r.attempts.size() > 1 || (!r.attempts.empty() && !r.attempts[0].error.empty())) {
    json::array a;
    for (const auto& at : r.attempts) {
      json::object x{{"target", at.target}, {"status", at.status}, {"us", at.latency.count()}};
      if (!at.error.empty()) x["error"] = at.error;
      if (!at.reason.empty()) x["reason"] = at.reason;
      a.push_back(std::move(x));
    }
    o["attempts"] = std::move(a);
  }
  write_line(o);
}

}  // namespace modelmux::observability
