#include "routing/feedback.hpp"

#include <algorithm>

namespace modelmux::routing {

Calibration::Hour& Calibration::bucket(std::int64_t hour) {
  auto& h = hours_[static_cast<std::size_t>(hour % kHours)];
  if (h.hour != hour) h = Hour{.hour = hour};
  return h;
}

void Calibration::recompute(std::int64_t hour) const {
  double residual = 0, variance = 0, routed = 0, answered = 0;
  for (const auto& h : hours_) {
    if (h.hour < 0 || h.hour <= hour - kHours || h.hour > hour) continue;
    // However much an hour saw, it weighs at most its cap: a burst of judgements or failures in one hour
    // counts as that many, with its means kept.
    if (h.judged) {
      double w = std::min(1.0, kHourCapJudged / static_cast<double>(h.judged));
      residual += w * h.residual;
      variance += w * h.variance;
    }
    if (h.routed) {
      double w = std::min(1.0, kHourCapRouted / static_cast<double>(h.routed));
      routed += w * static_cast<double>(h.routed);
      answered += w * static_cast<double>(h.answered);
    }
  }
  // The prior: kPriorJudged outcomes as predicted, at p = 0.5 (the variance's largest value, so the
  // prior never weighs less than it says).
  offset_.store(std::clamp(residual / (variance + kPriorJudged * 0.25), -kMaxOffset, kMaxOffset));
  reliability_.store(std::max(kMinReliability, (answered + kPriorRouted) / (routed + kPriorRouted)));
  fresh_for_.store(hour, std::memory_order_release);
}

void Calibration::refresh(Nanos now) const {
  auto hour = hour_of(now);
  if (fresh_for_.load(std::memory_order_acquire) == hour) return;
  std::lock_guard lock(mu_);
  recompute(hour);
}

void Calibration::judged(Nanos now, double score, double predicted) {
  auto hour = hour_of(now);
  std::lock_guard lock(mu_);
  auto& h = bucket(hour);
  h.residual += score - predicted;
  h.variance += predicted * (1 - predicted);
  h.score += score;
  h.predicted += predicted;
  ++h.judged;
  recompute(hour);
}

void Calibration::routed(Nanos now, bool answered) {
  auto hour = hour_of(now);
  std::lock_guard lock(mu_);
  auto& h = bucket(hour);
  ++h.routed;
  h.answered += answered;
  recompute(hour);
}

double Calibration::offset(Nanos now) const {
  refresh(now);
  return offset_.load();
}

double Calibration::reliability(Nanos now) const {
  refresh(now);
  return reliability_.load();
}

Calibration::Snapshot Calibration::snapshot(Nanos now) const {
  refresh(now);
  Snapshot s;
  s.offset = offset_.load();
  s.reliability = reliability_.load();
  auto hour = hour_of(now);
  double score = 0, predicted = 0;
  std::lock_guard lock(mu_);
  for (const auto& h : hours_) {
    if (h.hour < 0 || h.hour <= hour - kHours || h.hour > hour) continue;
    s.judged += h.judged;
    s.routed += h.routed;
    s.unanswered += h.routed - h.answered;
    score += h.score;
    predicted += h.predicted;
  }
  if (s.judged) {
    s.mean_score = score / static_cast<double>(s.judged);
    s.mean_predicted = predicted / static_cast<double>(s.judged);
  }
  return s;
}

namespace {

// 64-bit FNV-1a: request ids are the client's or ours; at 100,000 kept, two colliding is a 1e-9 chance.
std::uint64_t key_of(std::string_view id) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : id) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return h;
}

}  // namespace

RecentDecisions::RecentDecisions(std::size_t capacity)
    : capacity_(capacity), per_shard_(std::max<std::size_t>(1, capacity / kShards)) {}

void RecentDecisions::put(std::string_view request_id, const RoutedRequest& r) {
  auto key = key_of(request_id);
  auto& s = shards_[key % kShards];
  std::lock_guard lock(s.mu);
  auto [it, fresh] = s.map.try_emplace(key, Entry{r});
  if (!fresh) {
    it->second = Entry{r};  // a request id sent again names the latest request
    return;
  }
  s.order.push_back(key);
  if (s.order.size() > per_shard_) {
    s.map.erase(s.order.front());
    s.order.pop_front();
  }
}

DecisionStore::Judged RecentDecisions::judge(std::string_view request_id, RoutedRequest& out) {
  auto key = key_of(request_id);
  auto& s = shards_[key % kShards];
  std::lock_guard lock(s.mu);
  auto it = s.map.find(key);
  if (it == s.map.end()) return Judged::unknown;
  if (it->second.judged) return Judged::already;
  it->second.judged = true;
  out = it->second.r;
  return Judged::ok;
}

}  // namespace modelmux::routing
