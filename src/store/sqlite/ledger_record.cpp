// The ledger record's payload: a row's fields in order, fixed-size numbers in native byte order and texts
// as a 4-byte length and their bytes (a journal is read back by the machine that wrote it).
#include "store/sqlite/ledger_record.hpp"

#include <array>
#include <cstring>

namespace modelmux::store {
namespace {

struct Reader {
  std::string_view in;
  bool ok = true;
  template <class T>
  T get() {
    T v{};
    if (in.size() < sizeof v) {
      ok = false;
      return v;
    }
    std::memcpy(&v, in.data(), sizeof v);
    in.remove_prefix(sizeof v);
    return v;
  }
  // Into a std::string (its capacity reused) or a string_view of the payload.
  template <class Text>
  void text(Text& s) {
    auto n = get<std::uint32_t>();
    if (!ok || in.size() < n) {
      ok = false;
      return;
    }
    s = in.substr(0, n);
    in.remove_prefix(n);
  }
};

// A payload into a LedgerRow (copies) or a LedgerRowView (views).
template <class Row>
bool decode(std::string_view payload, Row& r) {
  Reader in{payload};
  r.ts_ms = in.get<std::int64_t>();
  for (auto* s : {&r.request_id, &r.key_id, &r.user_id, &r.team_id, &r.end_user, &r.model, &r.target,
                  &r.provider, &r.upstream_model, &r.error, &r.path, &r.credential})
    in.text(*s);
  for (std::int64_t* n : {&r.input_tokens, &r.output_tokens, &r.cached_tokens, &r.cache_write_tokens,
                          &r.reasoning_tokens, &r.latency_ms})
    *n = in.get<std::int64_t>();
  r.cost_usd = in.get<double>();
  r.status = in.get<std::int32_t>();
  r.attempts = in.get<std::int32_t>();
  auto flags = in.get<std::uint8_t>();
  r.stream = flags & 1;
  r.cache_hit = flags & 2;
  auto budgets = in.get<std::uint32_t>();
  if (!in.ok || budgets > in.in.size() / 12) return false;  // (each takes at least 12 bytes)
  r.budgets.resize(budgets);
  for (auto& [counter, period] : r.budgets) {
    in.text(counter);
    period = in.get<std::int64_t>();
  }
  return in.ok && in.in.empty();
}

}  // namespace

void encode_row(const LedgerRow& r, std::string& out) {
  // Sized first, then written through a cursor: one resize, fixed-size fields stored without a call (an
  // append per field cost ~950 instructions a row, on every governed request).
  const std::array<const std::string*, 12> texts{&r.request_id,     &r.key_id, &r.user_id, &r.team_id,
                                                 &r.end_user,       &r.model,  &r.target,  &r.provider,
                                                 &r.upstream_model, &r.error,  &r.path,    &r.credential};
  std::size_t size = 8 + 6 * 8 + 8 + 4 + 4 + 1 + 4;
  for (const std::string* s : texts) size += 4 + s->size();
  for (const auto& b : r.budgets) size += 4 + b.first.size() + 8;
  // (The callback's second argument is not used: GCC 12's library passes the capacity it allocated, which
  // may be more than was asked for.)
  const std::size_t at = out.size();
  out.resize_and_overwrite(at + size, [&](char* data, std::size_t) {
    char* p = data + at;
    auto put = [&p](auto v) {
      std::memcpy(p, &v, sizeof v);
      p += sizeof v;
    };
    auto put_text = [&](std::string_view t) {
      put(static_cast<std::uint32_t>(t.size()));
      std::memcpy(p, t.data(), t.size());
      p += t.size();
    };
    put(r.ts_ms);
    for (const std::string* t : texts) put_text(*t);
    for (std::int64_t v : {r.input_tokens, r.output_tokens, r.cached_tokens, r.cache_write_tokens,
                           r.reasoning_tokens, r.latency_ms})
      put(v);
    put(r.cost_usd);
    put(static_cast<std::int32_t>(r.status));
    put(static_cast<std::int32_t>(r.attempts));
    put(static_cast<std::uint8_t>((r.stream ? 1 : 0) | (r.cache_hit ? 2 : 0)));
    put(static_cast<std::uint32_t>(r.budgets.size()));
    for (const auto& [counter, period] : r.budgets) {
      put_text(counter);
      put(period);
    }
    return at + size;
  });
}

bool decode_row(std::string_view payload, LedgerRow& r) {
  return decode(payload, r);
}
bool decode_row(std::string_view payload, LedgerRowView& r) {
  return decode(payload, r);
}

}  // namespace modelmux::store
