// LocalCounters: reservations all-or-nothing across counters, exact windows under racing threads, budgets
// that cap to what is left, settlements, soft alerts, leases, and totals loaded from the store.
#include "governance/counters.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace modelmux::governance {
namespace {

constexpr Millis kNow = 1'796'000'000'000;  // Monday 2026-11-30T00:53:20Z

Claim usd(std::string_view counter, double limit, Period p = Period::month, std::optional<double> soft = {}) {
  return {.meter = Meter::usd, .counter = counter, .limit = limit, .period = p, .soft = soft};
}
Claim rpm(std::string_view counter, double limit) {
  return {.meter = Meter::requests, .counter = counter, .limit = limit};
}
Claim tpm(std::string_view counter, double limit) {
  return {.meter = Meter::tokens, .counter = counter, .limit = limit};
}
Claim parallel(std::string_view counter, double limit) {
  return {.meter = Meter::parallel, .counter = counter, .limit = limit};
}
Ask ask(std::vector<Claim> claims, double usd_min = 0, double usd_max = 0, std::int64_t tokens = 0) {
  Ask a{.usd_min = usd_min, .usd_max = usd_max, .tokens = tokens, .at = kNow};
  a.claims.assign(claims.begin(), claims.end());
  return a;
}

TEST(Counters, ABudgetIsReservedUntilNothingIsLeftThenRefusedWithItsReset) {
  LocalCounters c;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.reserve(ask({usd("key:a", 1.0)}, 0.25, 0.25), kNow, 60'000));
  auto no = c.reserve(ask({usd("key:a", 1.0)}, 0.25, 0.25), kNow, 60'000);
  ASSERT_FALSE(no);
  EXPECT_EQ(no.error().meter, Meter::usd);
  EXPECT_NEAR(no.error().remaining, 0, 1e-12);
  EXPECT_EQ(no.error().resets_at, 1'796'083'200'000);  // 2026-12-01T00:00:00Z
}

TEST(Counters, AllOrNothing_ARefusedClaimTakesNothingFromTheOthers) {
  LocalCounters c;
  ASSERT_TRUE(c.reserve(ask({usd("team:t", 1.0)}, 0.9, 0.9), kNow, 60'000));
  // The key has room, the team does not: the key's budget and rpm window must be untouched.
  auto no = c.reserve(ask({usd("key:a", 10), rpm("key:a", 1), usd("team:t", 1.0)}, 0.5, 0.5), kNow, 60'000);
  ASSERT_FALSE(no);
  EXPECT_EQ(no.error().claim, 2u);
  EXPECT_EQ(c.budget("key:a", Period::month, kNow).reserved, 0);
  EXPECT_TRUE(c.reserve(ask({rpm("key:a", 1)}), kNow, 60'000)) << "the refused request took the only slot";
}

TEST(Counters, ANameIsFoundByItsTextNotByWhereItLives) {
  // Counters remember where the names they were last asked for live (a key's name is the same string on
  // every request); a freed directory's memory may hold another name at the same address, or the same
  // name may come from elsewhere.
  LocalCounters c;
  std::string name = "key:a";
  ASSERT_TRUE(c.reserve(ask({rpm(name, 1)}), kNow, 60'000));
  name[4] = 'b';  // the same address and length, another counter
  ASSERT_TRUE(c.reserve(ask({rpm(name, 1)}), kNow, 60'000)) << "key:b was charged as key:a";
  EXPECT_FALSE(c.reserve(ask({rpm(name, 1)}), kNow, 60'000));
  std::string again = "key:a";
  EXPECT_FALSE(c.reserve(ask({rpm(again, 1)}), kNow, 60'000)) << "key:a at another address is a new counter";
  EXPECT_EQ(c.window_entries("key:a"), 1u);
  EXPECT_EQ(c.window_entries("key:b"), 1u);
  // A name with no text at all (a default view: no address) finds no remembered entry.
  EXPECT_EQ(LocalCounters().budget(std::string_view(), Period::day, kNow).spent, 0.0);
}

TEST(Counters, ABudgetFollowsItsPeriodWhenTheRecordChangesIt) {
  // A budget's period is remembered with the counter, and an administrator may change it (month to day,
  // day to total): the counter must charge the new period at once, not the one it last saw.
  LocalCounters c([](const std::string&, Millis start) { return start == 1'795'996'800'000 ? 0.0 : 5.0; });
  EXPECT_EQ(c.budget("key:a", Period::month, kNow).spent, 5.0);
  auto day = c.budget("key:a", Period::day, kNow);
  EXPECT_EQ(day.period_start, 1'795'996'800'000);  // 2026-11-30T00:00:00Z
  EXPECT_EQ(day.resets_at, 1'796'083'200'000);
  EXPECT_EQ(day.spent, 0.0);
  auto total = c.budget("key:a", Period::total, kNow);
  EXPECT_EQ(total.spent, 5.0) << "all that was ever spent, not the day's";
  EXPECT_EQ(total.resets_at, 0);
}

TEST(Counters, AWorstCaseThatDoesNotFitGetsWhatIsLeftAboveItsMinimum) {
  LocalCounters c;
  ASSERT_TRUE(c.reserve(ask({usd("key:a", 1.0)}, 0.7, 0.7), kNow, 60'000));
  auto g = c.reserve(ask({usd("key:a", 1.0)}, 0.1, 0.5), kNow, 60'000);
  ASSERT_TRUE(g);
  EXPECT_NEAR(g->usd, 0.3, 1e-12);
  EXPECT_FALSE(c.reserve(ask({usd("key:a", 1.0)}, 0.01, 0.5), kNow, 60'000)) << "nothing is left";
}

TEST(Counters, SettlingChargesTheActualCostAndFreesTheRest) {
  LocalCounters c;
  auto g = c.reserve(ask({usd("key:a", 1.0)}, 0.8, 0.8), kNow, 60'000);
  ASSERT_TRUE(g);
  EXPECT_FALSE(c.reserve(ask({usd("key:a", 1.0)}, 0.5, 0.5), kNow, 60'000));
  c.settle(g->id, 0.1, 0, kNow);
  auto s = c.budget("key:a", Period::month, kNow);
  EXPECT_NEAR(s.spent, 0.1, 1e-12);
  EXPECT_NEAR(s.reserved, 0, 1e-12);
  EXPECT_TRUE(c.reserve(ask({usd("key:a", 1.0)}, 0.5, 0.5), kNow, 60'000));
  EXPECT_EQ(c.outstanding(), 1u);
}

TEST(Counters, CrossingASoftLimitRaisesOneAlert) {
  LocalCounters c;
  auto a = c.reserve(ask({usd("key:a", 10, Period::day, 1.0)}, 0.6, 0.6), kNow, 60'000);
  auto b = c.reserve(ask({usd("key:a", 10, Period::day, 1.0)}, 0.6, 0.6), kNow, 60'000);
  auto d = c.reserve(ask({usd("key:a", 10, Period::day, 1.0)}, 0.6, 0.6), kNow, 60'000);
  EXPECT_TRUE(c.settle(a->id, 0.6, 0, kNow).empty());
  auto alerts = c.settle(b->id, 0.6, 0, kNow);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].counter, "key:a");
  EXPECT_NEAR(alerts[0].spent, 1.2, 1e-12);
  EXPECT_TRUE(c.settle(d->id, 0.6, 0, kNow).empty()) << "already above it";
}

TEST(Counters, RacingThreadsAdmitExactlyTheRpmLimit) {
  LocalCounters c;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 63; ++i)
        if (c.reserve(ask({rpm("key:a", 50), rpm("group:g", 1000)}), kNow + i, 60'000)) ++admitted;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 50);
}

TEST(Counters, TheWindowSlidesAndRetryAfterIsExact) {
  LocalCounters c;
  ASSERT_TRUE(c.reserve(ask({rpm("key:a", 2)}), kNow, 60'000));
  ASSERT_TRUE(c.reserve(ask({rpm("key:a", 2)}), kNow + 10'000, 60'000));
  auto no = c.reserve(ask({rpm("key:a", 2)}), kNow + 20'000, 60'000);
  ASSERT_FALSE(no);
  EXPECT_EQ(no.error().retry_after, 40'000);  // when the first admission leaves the window
  EXPECT_FALSE(c.reserve(ask({rpm("key:a", 2)}), kNow + 59'999, 60'000));
  auto g = c.reserve(ask({rpm("key:a", 2)}), kNow + 60'000, 60'000);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->requests.limit, 2);
  EXPECT_EQ(g->requests.remaining, 0);
}

TEST(Counters, TokensAreReservedThenSettledToTheActualCount) {
  LocalCounters c;
  auto g = c.reserve(ask({tpm("key:a", 1000)}, 0, 0, 800), kNow, 60'000);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->tokens.remaining, 200);
  EXPECT_FALSE(c.reserve(ask({tpm("key:a", 1000)}, 0, 0, 300), kNow + 1, 60'000));
  c.settle(g->id, 0, 100, kNow + 2);
  EXPECT_TRUE(c.reserve(ask({tpm("key:a", 1000)}, 0, 0, 900), kNow + 3, 60'000));
  auto never = c.reserve(ask({tpm("key:b", 1000)}, 0, 0, 1001), kNow, 60'000);
  ASSERT_FALSE(never);
  EXPECT_TRUE(never.error().never);
}

TEST(Counters, AdmissionsOfOneMillisecondShareAnEntryAndSettleExactly) {
  constexpr std::int64_t kLimit = 1'000'000;
  LocalCounters c;
  auto tokens = [&](std::int64_t n, Millis at) {
    return c.reserve(ask({tpm("key:a", kLimit)}, 0, 0, n), at, 60'000);
  };
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 10'000; ++i) {
    auto g = c.reserve(ask({rpm("key:a", 20'000), tpm("key:a", kLimit)}, 0, 0, 50), kNow, 60'000);
    ASSERT_TRUE(g);
    ids.push_back(g->id);
  }
  // A window's memory follows the milliseconds, not the requests: one entry each for rpm and tpm.
  EXPECT_EQ(c.window_entries("key:a"), 2u);
  auto g = tokens(100, kNow + 1);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->tokens.remaining, kLimit - 500'000 - 100);
  EXPECT_EQ(c.window_entries("key:a"), 3u);
  // Each settlement corrects its own admission's share of the entry it shares: all but one of the first
  // millisecond's admissions reserved 50 and used 10.
  for (std::size_t i = 0; i + 1 < ids.size(); ++i) c.settle(ids[i], 0, 10, kNow + 2);
  c.settle(g->id, 0, 7, kNow + 2);
  constexpr std::int64_t kFirst = 9'999 * 10 + 50;
  auto probe = tokens(1, kNow + 3);
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->tokens.remaining, kLimit - kFirst - 7 - 1);
  // The first millisecond leaves whole, exactly 60 s after it came.
  const std::int64_t rest = kLimit - kFirst - 7 - 1 + 1;  // one more than fits until then
  auto refused = tokens(rest, kNow + 59'999);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().retry_after, 1);
  auto later = tokens(rest, kNow + 60'000);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->tokens.remaining, kLimit - 7 - 1 - rest);
  // A settlement whose entry has left changes nothing; one whose entry is inside gives back what it did
  // not use.
  c.settle(ids.back(), 0, 0, kNow + 60'000);
  c.settle(probe->id, 0, 0, kNow + 60'000);
  auto last = tokens(1, kNow + 60'000);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->tokens.remaining, kLimit - 7 - rest - 1);
}

TEST(Counters, ParallelSlotsFreeWhenRequestsEnd) {
  LocalCounters c;
  auto a = c.reserve(ask({parallel("key:a", 2)}), kNow, 60'000);
  auto b = c.reserve(ask({parallel("key:a", 2)}), kNow, 60'000);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(c.reserve(ask({parallel("key:a", 2)}), kNow, 60'000));
  c.settle(a->id, 0, 0, kNow);
  EXPECT_TRUE(c.reserve(ask({parallel("key:a", 2)}), kNow, 60'000));
}

TEST(Counters, AnExpiredLeaseGivesItsReservationBackButALateSettlementStillCharges) {
  LocalCounters c;
  auto g = c.reserve(ask({usd("key:a", 1.0), parallel("key:a", 1)}, 0.9, 0.9), kNow, 5'000);
  ASSERT_TRUE(g);
  EXPECT_FALSE(c.reserve(ask({usd("key:a", 1.0)}, 0.5, 0.5), kNow + 4'000, 60'000));
  auto later = c.reserve(ask({usd("key:a", 1.0), parallel("key:a", 1)}, 0.5, 0.5), kNow + 6'000, 60'000);
  ASSERT_TRUE(later) << "the lease ran out: its budget and its slot are free again";
  c.settle(g->id, 0.2, 0, kNow + 7'000);
  EXPECT_NEAR(c.budget("key:a", Period::month, kNow).spent, 0.2, 1e-12);
  EXPECT_NEAR(c.budget("key:a", Period::month, kNow).reserved, 0.5, 1e-12);
}

TEST(Counters, ASettlementOfAReservationSweptLongAgoDoesNotTouchTheOneNowInItsSlot) {
  LocalCounters c;
  auto old = c.reserve(ask({usd("key:a", 1.0)}, 0.4, 0.4), kNow, 1'000);
  ASSERT_TRUE(old);
  // Ten windows past its lease it is forgotten, and its slot goes to the next reservation.
  const Millis later = kNow + 1'000 + 10 * kWindow;
  auto now = c.reserve(ask({usd("key:a", 1.0), parallel("key:a", 1)}, 0.3, 0.3), later, 60'000);
  ASSERT_TRUE(now);
  EXPECT_EQ(static_cast<std::uint32_t>(now->id), static_cast<std::uint32_t>(old->id)) << "the same slot";
  EXPECT_NE(now->id, old->id);
  EXPECT_TRUE(c.settle(old->id, 0.25, 0, later).empty());
  EXPECT_NEAR(c.budget("key:a", Period::month, kNow).spent, 0.0, 1e-12) << "the old grant finds nothing";
  EXPECT_EQ(c.outstanding(), 1u);
  c.settle(now->id, 0.1, 0, later);
  EXPECT_NEAR(c.budget("key:a", Period::month, kNow).spent, 0.1, 1e-12);
  EXPECT_EQ(c.outstanding(), 0u);
  EXPECT_TRUE(c.reserve(ask({parallel("key:a", 1)}), later, 60'000)) << "its parallel slot was freed";
}

TEST(Counters, AfterABurstAReservationTakesAKeptHoldAndAtMostAThousandAreKept) {
  LocalCounters c;
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 3000; ++i) ids.push_back(c.reserve(ask({rpm("key:a", 1e6)}), kNow, 60'000)->id);
  for (auto id : ids) c.settle(id, 0, 0, kNow);
  EXPECT_EQ(c.kept_holds(), 1024u) << "the rest let go";
  for (int i = 0; i < 100; ++i) {
    auto g = c.reserve(ask({rpm("key:a", 1e6)}), kNow, 60'000);
    ASSERT_TRUE(g);
    EXPECT_EQ(c.kept_holds(), 1023u) << "taken from the kept ones, not a bare slot";
    c.settle(g->id, 0, 0, kNow);
    EXPECT_EQ(c.kept_holds(), 1024u);
  }
}

TEST(Counters, GrantsSettledInOneCallAreEachChargedOnce) {
  LocalCounters c;
  auto admission =
      c.reserve(ask({rpm("key:a", 10), tpm("key:a", 1'000), parallel("key:a", 1)}, 0, 0, 500), kNow, 60'000);
  auto attempt = c.reserve(ask({usd("target:t", 1.0), tpm("target:t", 1'000)}, 0.5, 0.5, 500), kNow, 60'000);
  ASSERT_TRUE(admission && attempt);
  const Counters::Settlement both[] = {{admission->id, 0, 20}, {attempt->id, 0.05, 20}};
  EXPECT_TRUE(c.settle(both, kNow + 1).empty());
  EXPECT_EQ(c.outstanding(), 0u);
  EXPECT_NEAR(c.budget("target:t", Period::month, kNow).spent, 0.05, 1e-12);
  EXPECT_NEAR(c.budget("target:t", Period::month, kNow).reserved, 0.0, 1e-12);
  // Both token windows now hold the 20 used, not the 500 reserved.
  auto next = c.reserve(ask({tpm("key:a", 1'000), tpm("target:t", 1'000), parallel("key:a", 1)}, 0, 0, 980),
                        kNow + 2, 60'000);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->tokens.remaining, 0);
  // Settling them again changes nothing.
  EXPECT_TRUE(c.settle(both, kNow + 3).empty());
  EXPECT_NEAR(c.budget("target:t", Period::month, kNow).spent, 0.05, 1e-12);
}

TEST(Counters, SpentIsLoadedOncePerPeriodAndANewPeriodStartsFromTheStore) {
  std::vector<std::pair<std::string, Millis>> loads;
  LocalCounters c([&](const std::string& counter, Millis start) {
    loads.emplace_back(counter, start);
    return start == 1'795'996'800'000 ? 0.75 : 0.0;  // 2026-11-30T00:00:00Z: spent before a restart
  });
  EXPECT_FALSE(c.reserve(ask({usd("key:a", 1.0, Period::day)}, 0.3, 0.3), kNow, 60'000));
  EXPECT_TRUE(c.reserve(ask({usd("key:a", 1.0, Period::day)}, 0.2, 0.2), kNow, 60'000));
  Ask tomorrow = ask({usd("key:a", 1.0, Period::day)}, 0.9, 0.9);
  tomorrow.at = kNow + 86'400'000;
  EXPECT_TRUE(c.reserve(tomorrow, kNow + 86'400'000, 60'000));
  ASSERT_EQ(loads.size(), 2u);
  EXPECT_EQ(loads[1].second, 1'796'083'200'000);  // 2026-12-01
}

TEST(Counters, PeriodsStartAtUtcBoundaries) {
  std::int64_t t = kNow / 1000;  // Monday 2026-11-30
  EXPECT_EQ(period_start(Period::day, t), 1'795'996'800);
  EXPECT_EQ(period_start(Period::week, t), 1'795'996'800);  // Mondays
  EXPECT_EQ(period_end(Period::week, t), 1'796'601'600);
  EXPECT_EQ(period_start(Period::week, t - 3600), 1'795'392'000);  // Sunday night: the week before
  EXPECT_EQ(period_start(Period::month, t), 1'793'491'200);        // 2026-11-01
  EXPECT_EQ(period_end(Period::month, t), 1'796'083'200);
  EXPECT_EQ(period_start(Period::total, t), 0);
}

}  // namespace
}  // namespace modelmux::governance
