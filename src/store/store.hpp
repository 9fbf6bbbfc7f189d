// The one interface to state that outlives a request: keys, users and teams, the spend ledger, the audit
// log and encrypted credentials. SQLite (store/sqlite/) serves one instance; Redis and Postgres will serve
// many behind the same interface. Budgets and rate limits are counters.hpp's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "governance/records.hpp"
#include "modelmux/error.hpp"

namespace modelmux::store {

// One request, whatever became of it (served, failed or refused). Its texts are std::string; the ledger's
// writer reads rows with std::string_view texts instead, viewing the records it is handed
// (LedgerRowView, sqlite/ledger_record.hpp).
template <class Text>
struct BasicLedgerRow {
  std::int64_t ts_ms = 0;  // when it started (unix, ms)
  Text request_id;
  Text key_id, user_id, team_id, end_user;
  Text model;  // the group the client named
  Text target, provider, upstream_model;
  std::int64_t input_tokens = 0, output_tokens = 0, cached_tokens = 0, cache_write_tokens = 0,
               reasoning_tokens = 0;
  double cost_usd = 0;
  int status = 0;
  Text error;  // the error code, empty when served
  std::int64_t latency_ms = 0;
  int attempts = 0;
  bool stream = false;
  bool cache_hit = false;
  Text path;
  Text credential;  // the stored credential the request went upstream with (every use recorded)
  // The budget counters the request was charged to and the period each charge fell in: the store adds the
  // row's cost to their totals in the row's own transaction, so totals and ledger never disagree.
  std::vector<std::pair<Text, std::int64_t>> budgets;
};
using LedgerRow = BasicLedgerRow<std::string>;

struct SpendQuery {
  std::string group_by;  // key, user, team, end_user, model, provider, target, day; empty: one total
  std::int64_t from_ms = 0, to_ms = 0;  // to_ms 0: now
};
struct SpendGroup {
  std::string group;  // the key id, model, day (YYYY-MM-DD), ...
  double cost_usd = 0;
  std::int64_t requests = 0, input_tokens = 0, output_tokens = 0;
};

struct LogQuery {
  std::string key_id, user_id, team_id, end_user, model, status, credential;  // filters; empty: any
  std::int64_t from_ms = 0, to_ms = 0;
  std::int64_t after = 0;  // cursor: the row id the last page ended at
  int limit = 100;
};
struct LogPage {
  std::vector<std::pair<std::int64_t, LedgerRow>> rows;  // with their row ids, oldest first
  std::int64_t next = 0;                                 // cursor for the next page, 0 at the end
};

// Every change an administrator makes, and every use of a credential: who, what, when; never a secret.
struct AuditEvent {
  std::int64_t ts_ms = 0;
  std::string actor;   // "master", or the admin key's id
  std::string action;  // key.create, credential.use, ...
  std::string subject;
  std::string detail;
};

// A provider credential as stored: its value encrypted (governance/crypto.hpp).
struct CredentialRecord {
  std::string name;
  std::string provider;
  std::string ciphertext;  // "v<key version>:" + base64(nonce | ciphertext | tag)
  std::int64_t created_at = 0, updated_at = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<void> put_key(const governance::KeyRecord& k) = 0;  // insert or replace
  virtual Result<void> delete_key(const std::string& id) = 0;
  virtual Result<std::vector<governance::KeyRecord>> keys() = 0;
  virtual Result<void> put_user(const governance::UserRecord& u) = 0;
  virtual Result<void> delete_user(const std::string& id) = 0;
  virtual Result<std::vector<governance::UserRecord>> users() = 0;
  virtual Result<void> put_team(const governance::TeamRecord& t) = 0;
  virtual Result<void> delete_team(const std::string& id) = 0;
  virtual Result<std::vector<governance::TeamRecord>> teams() = 0;

  // Queues a copy of `row` (the caller may reuse it at once); `committed` runs (on the store's writer thread)
  // once it is durable. Rows are committed in groups, off the request path.
  virtual void append(const LedgerRow& row, std::move_only_function<void()> committed) = 0;
  // Queues `rows`, made durable together before returning (one write to a journal the store replays at
  // start), so nobody need wait for their commits: true. The rows are copied: the caller keeps them, to
  // fill again. False when the store cannot: nothing was queued (append them instead).
  virtual bool append_durable(std::span<const std::unique_ptr<LedgerRow>> rows) {
    (void)rows;
    return false;
  }
  // The same for one row, copied (tests).
  bool append_durable(const LedgerRow& row) {
    auto copy = std::make_unique<LedgerRow>(row);
    return append_durable(std::span(&copy, 1));
  }
  virtual Result<std::vector<SpendGroup>> spend(const SpendQuery& q) = 0;
  virtual Result<LogPage> spend_logs(const LogQuery& q) = 0;
  // What a budget counter ("key:<id>", ...) was charged in the period starting at `period_start_ms`: how
  // budgets are rebuilt after a restart (kept apart from the rows, so retention does not reset a budget).
  virtual Result<double> spent(const std::string& counter, std::int64_t period_start_ms) = 0;
  // Removes ledger rows older than `before_ms`.
  virtual Result<std::int64_t> forget_before(std::int64_t before_ms) = 0;

  virtual void audit(AuditEvent e) = 0;
  virtual Result<std::vector<AuditEvent>> audit_log(int limit) = 0;

  // Commits what is queued, runs its callbacks and stops the writer; appends after it are dropped.
  virtual void close() = 0;

  virtual Result<void> put_credential(const CredentialRecord& c) = 0;
  virtual Result<void> delete_credential(const std::string& name) = 0;
  virtual Result<std::vector<CredentialRecord>> credentials() = 0;
};

}  // namespace modelmux::store
