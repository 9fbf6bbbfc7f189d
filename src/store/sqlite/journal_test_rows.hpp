// The journal's tests' shared parts (journal_test.cpp: the journal's files and records;
// sqlite_journal_test.cpp: the store's use of them): a directory of the test's own, and sample rows.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store/store.hpp"

namespace modelmux::store::journal_testing {

struct TempDir {
  std::filesystem::path dir;
  TempDir() {
    dir = std::filesystem::temp_directory_path() /
          ("modelmux-journal-test-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~TempDir() { std::filesystem::remove_all(dir); }
  std::string db() const { return (dir / "ledger.db").string(); }
};

inline LedgerRow sample(int i) {
  LedgerRow r;
  r.ts_ms = 1'796'000'000'000 + i;
  r.request_id = "req-" + std::to_string(i);
  r.key_id = "key_1";
  r.user_id = i % 2 ? "u" : "";
  r.team_id = "team";
  r.end_user = "alice";
  r.model = "gpt-4o";
  r.target = "openai/gpt-4o";
  r.provider = "openai";
  r.upstream_model = "gpt-4o-2024-08-06";
  r.input_tokens = 10 + i, r.output_tokens = 5, r.cached_tokens = 2, r.cache_write_tokens = 1;
  r.reasoning_tokens = 3;
  r.cost_usd = 0.25 * i;
  r.status = i % 3 ? 200 : 429;
  r.error = i % 3 ? "" : "rate_limit_exceeded";
  r.latency_ms = 40 + i;
  r.attempts = 2;
  r.stream = i % 2;
  r.cache_hit = i % 4 == 0;
  r.path = "/v1/chat/completions";
  r.credential = "cred";
  r.budgets = {{"key:key_1", 1'793'491'200'000}, {"team:team", 1'795'996'800'000}};
  return r;
}

// (`budgets` only when the row comes from a record: the ledger table keeps the totals, not the list.)
inline void expect_same(const LedgerRow& a, const LedgerRow& b, bool budgets = true) {
  EXPECT_EQ(a.ts_ms, b.ts_ms);
  EXPECT_EQ(a.request_id, b.request_id);
  EXPECT_EQ(a.user_id, b.user_id);
  EXPECT_EQ(a.upstream_model, b.upstream_model);
  EXPECT_EQ(a.input_tokens, b.input_tokens);
  EXPECT_EQ(a.reasoning_tokens, b.reasoning_tokens);
  EXPECT_DOUBLE_EQ(a.cost_usd, b.cost_usd);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.latency_ms, b.latency_ms);
  EXPECT_EQ(a.stream, b.stream);
  EXPECT_EQ(a.cache_hit, b.cache_hit);
  EXPECT_EQ(a.credential, b.credential);
  if (budgets) {
    EXPECT_EQ(a.budgets, b.budgets);
  }
}

}  // namespace modelmux::store::journal_testing
