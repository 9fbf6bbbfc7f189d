#include "http/deadline.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace modelmux::http {
namespace asio = boost::asio;

// The armed deadlines of one io_context, in an intrusive list; only that context's thread touches it.
class Sweeper : public asio::execution_context::service {
 public:
  using key_type = Sweeper;
  static asio::execution_context::id id;
  explicit Sweeper(asio::execution_context& ctx) : asio::execution_context::service(ctx) {}
  void shutdown() override {
    while (head_) unlink(head_);
  }

  void link(Deadline* d, const asio::any_io_executor& ex) {
    d->sweeper_ = this;
    d->prev_ = nullptr;
    d->next_ = head_;
    if (head_) head_->prev_ = d;
    head_ = d;
    if (!running_) {
      running_ = true;
      asio::co_spawn(ex, sweep(ex), asio::detached);
    }
  }

  void unlink(Deadline* d) {
    if (d->prev_)
      d->prev_->next_ = d->next_;
    else
      head_ = d->next_;
    if (d->next_) d->next_->prev_ = d->prev_;
    d->prev_ = d->next_ = nullptr;
    d->sweeper_ = nullptr;
  }

 private:
  // Runs while deadlines are armed; exits at the first tick that finds none, so an idle context has no work.
  asio::awaitable<void> sweep(asio::any_io_executor ex) {
    asio::steady_timer timer(ex);
    while (head_) {
      timer.expires_after(Deadline::kSweepInterval);
      auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      auto now = Deadline::Clock::now();
      for (Deadline* d = head_; d;) {
        Deadline* next = d->next_;
        if (d->when_ <= now) {
          unlink(d);
          d->expired_ = true;
          boost::system::error_code ignored;
          d->socket_.cancel(ignored);
        }
        d = next;
      }
    }
    running_ = false;
  }

  Deadline* head_ = nullptr;
  bool running_ = false;
};
asio::execution_context::id Sweeper::id;

void Deadline::expires_after(std::chrono::milliseconds d) {
  expired_ = false;
  when_ = Clock::now() + d;
  if (!sweeper_) {
    auto ex = socket_.get_executor();
    if (!home_) home_ = &asio::use_service<Sweeper>(asio::query(ex, asio::execution::context));
    home_->link(this, ex);
  }
}

void Deadline::disarm() {
  if (sweeper_) sweeper_->unlink(this);
}

}  // namespace modelmux::http
