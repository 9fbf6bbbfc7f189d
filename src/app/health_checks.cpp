#include "app/health_checks.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <set>
#include <thread>

#include "core/awaited.hpp"
#include "core/thread_name.hpp"

namespace modelmux::app {

namespace asio = boost::asio;

struct HealthChecks::Impl {
  asio::io_context ioc{1};
  std::thread thread;
};

namespace {

asio::awaitable<void> check_loop(const pipeline::Runtime& rt, const providers::Target& target,
                                 const routing::TargetInfo& info) {
  const auto& hc = target.cfg.health_check;
  auto& stats = *info.stats;
  const auto& clock = rt.router.clock();
  ChatRequest probe;
  probe.model = target.cfg.model;
  probe.max_tokens = 1;
  Message m;
  m.role = Role::user;
  m.content.push_back(ContentPart{ContentPart::Kind::text, hc.prompt, {}, {}, {}});
  probe.messages.push_back(std::move(m));
  providers::Target bounded = target;
  bounded.timeouts.first_byte = std::min(bounded.timeouts.first_byte, hc.timeout);
  bounded.timeouts.idle = std::min(bounded.timeouts.idle, hc.timeout);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    auto admit = stats.breaker.admit(clock.now());
    if (admit != routing::Breaker::Admit::no) {
      bool is_probe = admit == routing::Breaker::Admit::probe;
      auto started = std::chrono::steady_clock::now();
      bool ok = false;
      ErrorCode code = ErrorCode::upstream_error;
      // Pass-through targets take an OpenAI body; the others their own, built from the canonical request.
      auto request = target.provider->build_chat(probe, bounded);
      if (request) {
        auto reply = co_await target.provider->send(bounded, std::move(*request));
        if (reply) {
          auto body = co_await (*reply)->read_all(1u << 20);
          ok = body && (*reply)->status() >= 200 && (*reply)->status() < 300;
          if (!ok && body) code = target.provider->map_error((*reply)->status(), "", *body).code;
        } else {
          code = reply.error().code;
        }
      }
      auto micros =
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count();
      if (ok)
        stats.on_success(clock.now(), micros, is_probe);
      else
        stats.on_failure(clock.now(), code, is_probe);
      stats.health.store(ok ? 1 : 2, std::memory_order_relaxed);
      stats.health_checked_at.store(clock.now(), std::memory_order_relaxed);
    }
    timer.expires_after(hc.interval);
    auto [ec] = co_await timer.async_wait(awaited);
    if (ec) co_return;
  }
}

}  // namespace

HealthChecks::HealthChecks(const pipeline::Runtime& rt) : impl_(std::make_unique<Impl>()) {
  bool any = false;
  std::set<const routing::TargetStats*> checked;  // an upstream named by several groups is checked once
  for (const auto& g : rt.catalog.groups())
    for (std::size_t i = 0; i < g.targets.size(); ++i)
      if (g.targets[i].cfg.health_check.interval.count() > 0 && checked.insert(g.info[i].stats).second) {
        asio::co_spawn(impl_->ioc, check_loop(rt, g.targets[i], g.info[i]), asio::detached);
        any = true;
      }
  if (any) {
    impl_->thread = std::thread([this] { impl_->ioc.run(); });
    name_thread(impl_->thread, "mm-health");
  }
}

HealthChecks::~HealthChecks() {
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace modelmux::app
