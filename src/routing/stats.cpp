#include "routing/stats.hpp"

namespace modelmux::routing {

void DecayingAverage::observe(Nanos now, double sample) {
  double w = weight(now);
  // With bursts of samples at one instant w is 1 and nothing would move: every sample weighs at least
  // 1/8 then, like a classic EWMA.
  w = std::min(w, 0.875);
  value_.update([&](double old) { return old * w + sample * (1 - w); });
  last_.store(now, std::memory_order_relaxed);
  snap_at_.store(-1, std::memory_order_relaxed);
}

void DecayingAverage::observe_peak(Nanos now, double sample) {
  double w = std::min(weight(now), 0.875);
  value_.update([&](double old) { return sample > old ? sample : old * w + sample * (1 - w); });
  last_.store(now, std::memory_order_relaxed);
  snap_at_.store(-1, std::memory_order_relaxed);
}

void LatencyHistogram::observe(double micros) {
  int i = micros < 1 ? 0 : static_cast<int>(2 * std::log2(micros));
  if (i >= kBuckets) i = kBuckets - 1;
  buckets_[static_cast<std::size_t>(i)].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t LatencyHistogram::count() const {
  std::uint64_t n = 0;
  for (const auto& b : buckets_) n += b.load(std::memory_order_relaxed);
  return n;
}

double LatencyHistogram::quantile(double q) const {
  std::uint64_t n = count();
  if (n == 0) return 0;
  auto want = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n)));
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
    if (seen >= want) return std::exp2(static_cast<double>(i + 1) / 2);  // the bucket's upper bound
  }
  return std::exp2(static_cast<double>(kBuckets) / 2);
}

void TargetStats::on_success(Nanos now, double latency_micros, bool probe) {
  requests.fetch_add(1, std::memory_order_relaxed);
  latency_us.observe_peak(now, latency_micros);
  adaptive_success.observe(now, 1.0);
  adaptive_latency_us.observe(now, latency_micros);
  histogram.observe(latency_micros);
  breaker.on_success(now, probe);
}

void TargetStats::on_failure(Nanos now, ErrorCode code, bool probe) {
  requests.fetch_add(1, std::memory_order_relaxed);
  failures.fetch_add(1, std::memory_order_relaxed);
  adaptive_success.observe(now, 0.0);
  last_error.store(code, std::memory_order_relaxed);
  last_error_at.store(now, std::memory_order_relaxed);
  breaker.on_failure(now, probe);
}

}  // namespace modelmux::routing
