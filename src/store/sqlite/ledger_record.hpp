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
using LedgerRowView = BasicLedgerRow<std::string_view>;

// A row as a record's payload (appended to `out`), and back (false: not a whole, well-formed row).
void encode_row(const LedgerRow& r, std::string& out);
bool decode_row(std::string_view payload, LedgerRow& r);
bool decode_row(std::string_view payload, LedgerRowView& r);  // (valid while the payload is)

}  // namespace modelmux::store
