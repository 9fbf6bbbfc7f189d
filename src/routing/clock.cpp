#include "routing/clock.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/awaited.hpp"

namespace modelmux::routing {

const Clock& steady_clock() {
  static const SteadyClock clock;
  return clock;
}

boost::asio::awaitable<void> SteadyClock::sleep(std::chrono::nanoseconds d) const {
  boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, d);
  co_await t.async_wait(awaited);
}

boost::asio::awaitable<void> FakeClock::sleep(std::chrono::nanoseconds d) const {
  {
    std::lock_guard lock(mu_);
    sleeps_.push_back(d);
  }
  t_.fetch_add(d.count(), std::memory_order_relaxed);
  // Other work queued meanwhile runs first, as it would while a real timer waits.
  co_await boost::asio::post(co_await boost::asio::this_coro::executor, boost::asio::use_awaitable);
}

}  // namespace modelmux::routing
