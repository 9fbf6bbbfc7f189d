#include "routing/breaker.hpp"

namespace modelmux::routing {

std::string_view to_string(BreakerState s) {
  switch (s) {
    case BreakerState::closed:
      return "closed";
    case BreakerState::open:
      return "open";
    case BreakerState::half_open:
      return "half_open";
  }
  return "closed";
}

void Breaker::record(Nanos now, bool failure) {
  Nanos width = bucket_width() > 0 ? bucket_width() : 1;
  Nanos epoch = now / width;
  Bucket& b = buckets_[static_cast<std::size_t>(epoch % kBuckets)];
  Nanos seen = b.epoch.load(std::memory_order_relaxed);
  // The first writer of a new epoch clears the bucket; a racing writer may lose one count, which a
  // statistic over a window can afford.
  if (seen != epoch && b.epoch.compare_exchange_strong(seen, epoch, std::memory_order_relaxed)) {
    b.total.store(0, std::memory_order_relaxed);
    b.failures.store(0, std::memory_order_relaxed);
  }
  b.total.fetch_add(1, std::memory_order_relaxed);
  if (failure) b.failures.fetch_add(1, std::memory_order_relaxed);
}

std::pair<std::uint32_t, std::uint32_t> Breaker::window(Nanos now) const {
  Nanos width = bucket_width() > 0 ? bucket_width() : 1;
  Nanos epoch = now / width;
  std::uint32_t failures = 0, total = 0;
  for (const auto& b : buckets_) {
    Nanos e = b.epoch.load(std::memory_order_relaxed);
    if (e > epoch - kBuckets && e <= epoch) {
      failures += b.failures.load(std::memory_order_relaxed);
      total += b.total.load(std::memory_order_relaxed);
    }
  }
  return {failures, total};
}

void Breaker::open(Nanos now) {
  opened_at_.store(now, std::memory_order_relaxed);
  probes_.store(0, std::memory_order_relaxed);
  state_.store(BreakerState::open, std::memory_order_release);
}

void Breaker::close() {
  consecutive_.store(0, std::memory_order_relaxed);
  probes_.store(0, std::memory_order_relaxed);
  // The failures that opened it must not reopen it at once.
  for (auto& b : buckets_) b.epoch.store(-1, std::memory_order_relaxed);
  state_.store(BreakerState::closed, std::memory_order_release);
}

bool Breaker::refusing(Nanos now) const {
  auto s = state_.load(std::memory_order_acquire);
  if (s == BreakerState::open) return now < reopens_at();
  if (s == BreakerState::half_open) return probes_.load(std::memory_order_relaxed) >= cfg_.half_open_probes;
  return false;
}

BreakerState Breaker::state(Nanos now) const {
  auto s = state_.load(std::memory_order_acquire);
  if (s == BreakerState::open && now >= reopens_at()) return BreakerState::half_open;
  return s;
}

Breaker::Admit Breaker::admit(Nanos now) {
  auto s = state_.load(std::memory_order_acquire);
  if (s == BreakerState::closed) return Admit::yes;
  if (s == BreakerState::open) {
    if (now < reopens_at()) return Admit::no;
    // One thread moves it to half-open; every thread then competes for the probe slots.
    state_.compare_exchange_strong(s, BreakerState::half_open, std::memory_order_acq_rel);
  }
  int p = probes_.load(std::memory_order_relaxed);
  while (p < cfg_.half_open_probes)
    if (probes_.compare_exchange_weak(p, p + 1, std::memory_order_acq_rel)) return Admit::probe;
  return Admit::no;
}

void Breaker::abandon_probe() {
  int p = probes_.load(std::memory_order_relaxed);
  while (p > 0 && !probes_.compare_exchange_weak(p, p - 1, std::memory_order_acq_rel)) {
  }
}

void Breaker::on_success(Nanos now, bool probe) {
  record(now, false);
  consecutive_.store(0, std::memory_order_relaxed);
  if (probe && state_.load(std::memory_order_acquire) == BreakerState::half_open) close();
}

void Breaker::on_failure(Nanos now, bool probe) {
  record(now, true);
  auto s = state_.load(std::memory_order_acquire);
  if (probe) {
    if (s == BreakerState::half_open) open(now);
    return;
  }
  if (s != BreakerState::closed) return;  // a request admitted before it opened, finishing late
  int in_a_row = consecutive_.fetch_add(1, std::memory_order_relaxed) + 1;
  auto [failures, total] = window(now);
  bool rate = total >= static_cast<std::uint32_t>(cfg_.min_requests) &&
              static_cast<double>(failures) >= cfg_.error_rate * static_cast<double>(total);
  if (in_a_row >= cfg_.consecutive_failures || rate) open(now);
}

}  // namespace modelmux::routing
