#include "http/deadline.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/awaited.hpp"

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
    while (tick_head_) unlink_tick(tick_head_);
  }

  void link(Deadline* d, const asio::any_io_executor& ex) {
    d->sweeper_ = this;
    push(head_, d, &Deadline::prev_, &Deadline::next_);
    run(ex);
  }

  void unlink(Deadline* d) {
    erase(head_, d, &Deadline::prev_, &Deadline::next_);
    d->sweeper_ = nullptr;
  }

  void link_tick(Deadline* d, const asio::any_io_executor& ex) {
    d->tick_number_ = tick_number_;
    push(tick_head_, d, &Deadline::tick_prev_, &Deadline::tick_next_);
    run(ex);
  }

  void unlink_tick(Deadline* d) {
    erase(tick_head_, d, &Deadline::tick_prev_, &Deadline::tick_next_);
    d->tick_fn_ = nullptr;
  }

 private:
  // The two intrusive lists (armed deadlines, pending next-tick calls) differ only in their link members.
  using Link = Deadline* Deadline::*;
  static void push(Deadline*& head, Deadline* d, Link prev, Link next) {
    d->*prev = nullptr;
    d->*next = head;
    if (head) head->*prev = d;
    head = d;
  }
  static void erase(Deadline*& head, Deadline* d, Link prev, Link next) {
    if (d->*prev)
      d->*prev->*next = d->*next;
    else
      head = d->*next;
    if (d->*next) d->*next->*prev = d->*prev;
    d->*prev = d->*next = nullptr;
  }

  void run(const asio::any_io_executor& ex) {
    if (running_) return;
    running_ = true;
    asio::co_spawn(ex, sweep(ex), asio::detached);
  }

  // Runs while deadlines are armed or calls pending; exits at the first tick that finds none, so an idle
  // context has no work.
  asio::awaitable<void> sweep(asio::any_io_executor ex) {
    asio::steady_timer timer(ex);
    while (head_ || tick_head_) {
      timer.expires_after(Deadline::kSweepInterval);
      auto [ec] = co_await timer.async_wait(awaited);
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
      // The calls pending when the tick came; each is unlinked before it runs, so a call may cancel
      // another or schedule one (which waits for the next tick: it is linked with this tick's number).
      const auto tick = ++tick_number_;
      for (Deadline* d = tick_head_; d;) {
        if (d->tick_number_ == tick) {
          d = d->tick_next_;
          continue;
        }
        auto fn = d->tick_fn_;
        void* arg = d->tick_arg_;
        unlink_tick(d);
        fn(arg);
        d = tick_head_;
      }
    }
    running_ = false;
  }

  Deadline* head_ = nullptr;
  Deadline* tick_head_ = nullptr;
  std::uint64_t tick_number_ = 0;
  bool running_ = false;
};
asio::execution_context::id Sweeper::id;

Sweeper& Deadline::home() {
  if (!home_)
    home_ = &asio::use_service<Sweeper>(asio::query(socket_.get_executor(), asio::execution::context));
  return *home_;
}

void Deadline::expires_after(std::chrono::milliseconds d) {
  expired_ = false;
  when_ = Clock::now() + d;
  if (!sweeper_) home().link(this, socket_.get_executor());
}

void Deadline::call_at_next_tick(TickFn fn, void* arg) {
  tick_arg_ = arg;
  if (tick_fn_) {  // already linked: replace the call
    tick_fn_ = fn;
    return;
  }
  tick_fn_ = fn;
  home().link_tick(this, socket_.get_executor());
}

void Deadline::cancel_tick() {
  if (tick_fn_) home().unlink_tick(this);
}

void Deadline::disarm() {
  if (sweeper_) sweeper_->unlink(this);
}

}  // namespace modelmux::http
