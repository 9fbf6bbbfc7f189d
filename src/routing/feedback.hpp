// Learning from outcomes: what the `auto` router predicted for recent requests, and each model group's
// calibration, which the outcomes move.
//
// - Every auto-routed request is an observation of whether its group answered at all (an answer from
//   another group, or an upstream failure, is a "no"). Its share is the group's reliability; every request
//   counts, so it is unbiased.
// - POST /v1/feedback {request_id, score} judges an answer (score 0..1: by the client, a user or an
//   evaluator) against the model's prediction for it. The group's offset is the logit shift that would make
//   the predictions match the judged outcomes: sum(score - p) / sum(p (1 - p)), a Newton step from the
//   model, shrunk toward 0 by a prior of kPriorJudged outcomes that agree with the model.
//
// Both are bounded so that one bad hour cannot swing them: evidence is kept in hourly buckets over the last
// kHours hours, an hour weighs at most kHourCapJudged judged (kHourCapRouted routed) requests however many
// it saw, and the offset stays within +-kMaxOffset logits, the reliability at or above kMinReliability. One
// hour of nothing but failures moves the offset by at most ~0.32 logit (5 points of success at 0.8) and the
// reliability by at most 9 points.
//
// Requests' predictions are kept per process in a DecisionStore (the last 100,000 auto-routed requests in
// memory); the interface is small so that a shared store can replace it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "routing/clock.hpp"
#include "routing/stats.hpp"

namespace modelmux::routing {

class Calibration {
 public:
  static constexpr int kHours = 24;
  static constexpr double kHourCapJudged = 20, kPriorJudged = 250, kMaxOffset = 1.0;
  static constexpr double kHourCapRouted = 100, kPriorRouted = 1000, kMinReliability = 0.5;

  struct Snapshot {
    double offset = 0, reliability = 1;
    std::uint64_t judged = 0, routed = 0, unanswered = 0;  // in the window
    double mean_score = 0, mean_predicted = 0;             // of the judged ones
  };

  // A judged answer: its score (0..1) and the model's predicted success for it (before calibration).
  void judged(Nanos now, double score, double predicted);
  // An auto-routed request that ended: answered by its group, or not.
  void routed(Nanos now, bool answered);

  // What routing decisions read: lock-free within an hour.
  double offset(Nanos now) const;
  double reliability(Nanos now) const;
  Snapshot snapshot(Nanos now) const;

 private:
  struct Hour {
    std::int64_t hour = -1;
    double residual = 0, variance = 0, score = 0, predicted = 0;
    std::uint64_t judged = 0, routed = 0, answered = 0;
  };
  Hour& bucket(std::int64_t hour);          // under mu_
  void recompute(std::int64_t hour) const;  // under mu_
  void refresh(Nanos now) const;            // recomputes once the hour has turned
  static std::int64_t hour_of(Nanos now) { return now / 3'600'000'000'000; }

  mutable std::mutex mu_;
  std::array<Hour, kHours> hours_{};
  mutable AtomicDouble offset_{0}, reliability_{1};
  mutable std::atomic<std::int64_t> fresh_for_{-1};
};

// What feedback needs to know of an auto-routed request.
struct RoutedRequest {
  std::uint32_t group = 0;  // the serving group's index in the catalog
  float predicted = 0;      // the model's P(success) for that group, before calibration
  float calibrated = 0;     // what the decision used
  Nanos at = 0;
};

class DecisionStore {
 public:
  virtual ~DecisionStore() = default;
  virtual void put(std::string_view request_id, const RoutedRequest& r) = 0;
  enum class Judged : std::uint8_t { ok, unknown, already };
  // The request's record into `out`, marked judged so that an answer counts once.
  virtual Judged judge(std::string_view request_id, RoutedRequest& out) = 0;
  virtual std::size_t capacity() const = 0;
};

// The last `capacity` auto-routed requests of this process, in 16 shards (each its own lock and FIFO).
class RecentDecisions final : public DecisionStore {
 public:
  explicit RecentDecisions(std::size_t capacity = 100'000);
  void put(std::string_view request_id, const RoutedRequest& r) override;
  Judged judge(std::string_view request_id, RoutedRequest& out) override;
  std::size_t capacity() const override { return capacity_; }

 private:
  struct Entry {
    RoutedRequest r;
    bool judged = false;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::uint64_t, Entry> map;  // by a 64-bit hash of the request id
    std::deque<std::uint64_t> order;
  };
  static constexpr std::size_t kShards = 16;
  std::size_t capacity_, per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace modelmux::routing
