#include "pipeline/attempts.hpp"

namespace modelmux::pipeline {

boost::asio::awaitable<Result<Answer>> attempt_targets(const routing::ModelGroup& group, const BuildRequest& build,
                                                       std::vector<observability::AttemptRecord>& log) {
  using Clock = std::chrono::steady_clock;
  std::optional<Error> last;
  for (const auto& target : group.targets) {
    if (target.cfg.weight == 0) continue;  // weight 0 parks a target without removing it
    auto request = build(target);
    if (!request) co_return std::unexpected(request.error());
    auto started = Clock::now();
    observability::AttemptRecord rec{target.label, 0, {}, {}};
    auto reply = co_await target.provider->send(target, std::move(*request));
    if (reply && (*reply)->status() >= 200 && (*reply)->status() < 300) {
      rec.status = (*reply)->status();
      rec.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
      log.push_back(std::move(rec));
      co_return Answer{&target, std::move(*reply), started};
    }
    Error err;
    if (!reply) {
      err = std::move(reply.error());
    } else {
      auto& r = **reply;
      rec.status = r.status();
      auto body = co_await r.read_all(1u << 20);
      err = target.provider->map_error_reply(r, body ? std::string_view(*body) : "");
    }
    if (err.provider.empty()) err.provider = std::string(target.provider->name());
    rec.error = std::string(to_string(err.code));
    rec.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    log.push_back(std::move(rec));
    bool retryable = err.retryable;
    last = std::move(err);
    if (!retryable) break;
  }
  if (!last) co_return fail(ErrorCode::unavailable, "no target of model " + group.name + " is available");
  co_return std::unexpected(std::move(*last));
}

}  // namespace modelmux::pipeline
