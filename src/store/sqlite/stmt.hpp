// SQLite's C interface as the store uses it: a prepared statement that finalizes itself, binds by type and
// reads columns, the store's error for a failed call, and its clock. Internal to store/sqlite/.
#pragma once

#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "modelmux/error.hpp"

namespace modelmux::store {

inline Error db_error(sqlite3* db, std::string_view what) {
  return Error::make(ErrorCode::internal,
                     fmt::format("store: {}: {}", what, db ? sqlite3_errmsg(db) : "no database"));
}

// A prepared statement, finalized when it goes.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, nullptr) != SQLITE_OK)
      s_ = nullptr;
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return s_ != nullptr; }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  Stmt& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // Text that outlives the statement's next step: bound without a copy.
  Stmt& bind_static(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& bind_static(int i, const std::string& v) { return bind_static(i, std::string_view(v)); }
  template <class N>
  requires std::is_arithmetic_v<N> Stmt& bind_static(int i, N v) {
    if constexpr (std::is_floating_point_v<N>)
      return bind(i, static_cast<double>(v));
    else
      return bind(i, static_cast<std::int64_t>(v));
  }
  int step() { return sqlite3_step(s_); }
  // Ready to run again; the parameters keep their bindings (a caller that binds every one each time pays
  // nothing to clear them, and one that skips unchanged values depends on it).
  void reset() { sqlite3_reset(s_); }
  std::string text(int col) const {
    auto* p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  double real(int col) const { return sqlite3_column_double(s_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// Now, in unix milliseconds: what rows and audit events are stamped with.
inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace modelmux::store
