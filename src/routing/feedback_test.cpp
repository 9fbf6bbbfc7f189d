// Calibration from outcomes (moves with evidence, bounded per hour, forgets after a day) and the store of
// recent auto-routed requests (bounded, each judged once).
#include "routing/feedback.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace modelmux::routing {
namespace {

constexpr Nanos kMinute = 60'000'000'000;
constexpr Nanos kHour = 60 * kMinute;

TEST(Calibration, JudgedAnswersBelowThePredictionLowerTheOffset) {
  Calibration c;
  Nanos now = 5 * kHour;
  EXPECT_EQ(c.offset(now), 0);
  EXPECT_EQ(c.reliability(now), 1);
  // Two days of 20 judgements an hour, right half the time where 0.8 was predicted.
  for (int h = 0; h < 48; ++h)
    for (int i = 0; i < 20; ++i) c.judged(now + h * kHour + i * kMinute, i % 2, 0.8);
  now += 48 * kHour;
  double offset = c.offset(now);
  // The logit gap is logit(0.5) - logit(0.8) = -1.39; a day of evidence against the prior recovers a large
  // part of it, and the bound holds it at -1.
  EXPECT_LT(offset, -0.5);
  EXPECT_GE(offset, -Calibration::kMaxOffset);
  auto s = c.snapshot(now - kHour);
  EXPECT_EQ(s.judged, 24u * 20u);
  EXPECT_NEAR(s.mean_score, 0.5, 1e-9);
  EXPECT_NEAR(s.mean_predicted, 0.8, 1e-9);
  // A day later with nothing new, it is forgotten.
  EXPECT_EQ(c.offset(now + 25 * kHour), 0);
}

TEST(Calibration, OneBadHourCannotSwingIt) {
  Calibration c;
  Nanos now = 100 * kHour;
  // 10,000 judged failures and 10,000 unanswered requests within one hour, where 0.8 was predicted.
  for (Nanos i = 0; i < 10'000; ++i) {
    c.judged(now + i * 300'000'000, 0, 0.8);
    c.routed(now + i * 300'000'000, false);
  }
  now += 50 * kMinute;
  EXPECT_GT(c.offset(now), -0.33);  // at most 20 judged outcomes' worth against the prior of 250
  EXPECT_GT(c.reliability(now), 0.9);
  // Routine traffic: nearly every request answered keeps the reliability near 1.
  Calibration d;
  for (int i = 0; i < 1000; ++i) d.routed(now + i * kMinute, i % 100 != 0);
  EXPECT_GT(d.reliability(now + 1000 * kMinute), 0.98);
}

TEST(RecentDecisions, KeepsTheLastOnesAndJudgesEachOnce) {
  RecentDecisions store(1'600);  // 100 per shard
  for (int i = 0; i < 5'000; ++i)
    store.put("req-" + std::to_string(i), {static_cast<std::uint32_t>(i % 7), 0.5f, 0.5f, i});
  RoutedRequest r;
  EXPECT_EQ(store.judge("req-0", r), DecisionStore::Judged::unknown);  // evicted
  ASSERT_EQ(store.judge("req-4999", r), DecisionStore::Judged::ok);
  EXPECT_EQ(r.group, 4999u % 7);
  EXPECT_EQ(r.at, 4999);
  EXPECT_EQ(store.judge("req-4999", r), DecisionStore::Judged::already);
  EXPECT_EQ(store.judge("never", r), DecisionStore::Judged::unknown);
  std::size_t kept = 0;
  for (int i = 0; i < 5'000; ++i)
    kept += store.judge("req-" + std::to_string(i), r) != DecisionStore::Judged::unknown;
  EXPECT_LE(kept, 1'600u);
  EXPECT_GE(kept, 1'500u);
}

}  // namespace
}  // namespace modelmux::routing
