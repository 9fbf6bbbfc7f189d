#include "observability/access_log.hpp"

#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>

namespace json = boost::json;

namespace modelmux::observability {
namespace {
std::atomic<bool> g_enabled{true};
}

void set_access_log_enabled(bool on) { g_enabled = on; }

void write_access_log(const AccessRecord& r) {
  if (!g_enabled.load(std::memory_order_relaxed)) return;
  auto now = std::chrono::system_clock::now();
  json::object o;
  o["ts"] = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  o["request_id"] = r.request_id;
  o["method"] = r.method;
  o["path"] = r.path;
  if (!r.model.empty()) o["model"] = r.model;
  if (!r.target.empty()) o["target"] = r.target;
  o["status"] = r.status;
  if (r.stream) o["stream"] = true;
  o["latency_us"] = r.total.count();
  if (r.upstream.count()) o["upstream_us"] = r.upstream.count();
  if (r.usage) {
    o["prompt_tokens"] = r.usage->input_tokens;
    o["completion_tokens"] = r.usage->output_tokens;
  }
  if (!r.error.empty()) o["error"] = r.error;
  if (r.attempts.size() > 1 || (!r.attempts.empty() && !r.attempts[0].error.empty())) {
    json::array a;
    for (const auto& at : r.attempts) {
      json::object x{{"target", at.target}, {"status", at.status},
                     {"us", at.latency.count()}};
      if (!at.error.empty()) x["error"] = at.error;
      if (!at.reason.empty()) x["reason"] = at.reason;
      a.push_back(std::move(x));
    }
    o["attempts"] = std::move(a);
  }
  std::string line = json::serialize(o);
  line.push_back('\n');
  // One write per line keeps lines whole when several threads log at once.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace modelmux::observability
