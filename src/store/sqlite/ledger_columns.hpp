// The ledger table's columns and ids, shared by the writer (sqlite_ledger.cpp) and the queries
// (sqlite_spend.cpp). Internal to store/sqlite/.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>

namespace modelmux::store::ledger {

// A ledger id is its time in milliseconds shifted by kIdShift, plus what it takes to stay above the id before
// it (sqlite_store.hpp): a time range is then a range of ids, which the table's own B-tree finds, and the
// table needs no index on ts_ms (an index insert was ~2k instructions a row, and one more WAL page a commit).
// 1,024 ids a millisecond before ids run ahead of time; ids stay under 2^53 (exact in JavaScript) until 2248.
inline constexpr int kIdShift = 10;
inline constexpr std::int64_t kMaxMs = std::numeric_limits<std::int64_t>::max() >> (kIdShift + 1);
inline std::int64_t clamp_ms(std::int64_t ms) {
  return std::clamp<std::int64_t>(ms, 0, kMaxMs);
}

// The row's columns as every query reads them and the insert writes them after the id, in this order.
inline constexpr const char* kColumns =
    "ts_ms, request_id, key_id, user_id, team_id, end_user, model, target, provider, upstream_model, "
    "input_tokens, "
    "output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost_usd, status, error, "
    "latency_ms, "
    "attempts, stream, cache_hit, path, credential";

inline constexpr int kParameters = 24;                     // the columns kColumns names
inline constexpr int kInsertParameters = kParameters + 1;  // and the id
static_assert([] {
  int n = 1;
  for (char ch : std::string_view(kColumns)) n += ch == ',';
  return n;
}() == kParameters);

}  // namespace modelmux::store::ledger
