// Responses-API responses kept in the governance store's SQLite database, so that previous_response_id,
// item references and GET /v1/responses/{id} survive a restart. Writes go to a thread of their own, in
// groups, off the request path; the newest responses are also kept in memory, which is where reads look
// first (and what a response not yet committed is read from).
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "store/responses.hpp"

namespace modelmux::store {

class SqliteResponseStore final : public ResponseStore {
 public:
  // Opens (creating its tables in) the database at `path`, dropping responses made before `forget_before`
  // (unix ms; 0 keeps all: the store's retention); throws std::runtime_error when it cannot.
  explicit SqliteResponseStore(const std::string& path, std::int64_t forget_before = 0);
  ~SqliteResponseStore() override;  // what is queued is written first

  void put(std::shared_ptr<const StoredResponse> r) override;
  std::shared_ptr<const StoredResponse> get(std::string_view id, std::string_view scope) const override;
  bool erase(std::string_view id, std::string_view scope) override;
  std::optional<boost::json::value> item(std::string_view item_id, std::string_view scope) const override;

  // Returns once everything put so far is committed.
  void flush();

 private:
  void write_loop();
  std::shared_ptr<const StoredResponse> read(std::string_view sql, std::string_view key,
                                             std::string_view scope) const;

  MemoryResponseStore recent_{2'000, 64u << 20};
  sqlite3* rd_ = nullptr;  // reads (rd_mu_)
  sqlite3* wr_ = nullptr;  // the writer thread's, and deletions (wr_mu_)
  mutable std::mutex rd_mu_;
  std::mutex wr_mu_;

  std::mutex q_mu_;
  std::condition_variable q_cv_, idle_cv_;
  std::deque<std::shared_ptr<const StoredResponse>> queue_;
  bool writing_ = false, stopping_ = false;
  std::thread writer_;
};

}  // namespace modelmux::store
