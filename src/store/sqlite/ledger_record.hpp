// A ledger row as the bytes of one journal record (journal.hpp frames them in files), and back. The store
// also hands its writer thread rows in this form (sqlite_store.hpp, Pending::record): ~200 bytes in one
// buffer cross between the cores, not a LedgerRow's dozen strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.hpp"

namespace modelmux::store {

// A row as a record holds it, its texts viewing the payload: what the store's writer binds, with no copy.
struct LedgerRowView {
  std::int64_t ts_ms = 0;
  std::string_view request_id, key_id, user_id, team_id, end_user, model, target, provider, upstream_model;
  std::int64_t input_tokens = 0, output_tokens = 0, cached_tokens = 0, cache_write_tokens = 0,
               reasoning_tokens = 0;
  double cost_usd = 0;
  int status = 0;
  std::string_view error;
  std::int64_t latency_ms = 0;
  int attempts = 0;
  bool stream = false;
  bool cache_hit = false;
  std::string_view path, credential;
  std::vector<std::pair<std::string_view, std::int64_t>> budgets;
};

// A row as a record's payload (appended to `out`), and back (false: not a whole, well-formed row).
void encode_row(const LedgerRow& r, std::string& out);
bool decode_row(std::string_view payload, LedgerRow& r);
bool decode_row(std::string_view payload, LedgerRowView& r);  // (valid while the payload is)

}  // namespace modelmux::store
