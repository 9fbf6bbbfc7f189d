#include "core/ids.hpp"

#include <cstdint>
#include <random>

namespace modelmux {

std::string new_request_id() {
  thread_local std::uint64_t state = std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);  // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  static constexpr char kHex[] = "0123456789abcdef";
  // 15 hex digits (60 random bits): the longest id libstdc++ keeps inside the string itself, so neither it
  // nor any copy of it (the exchange, the access record, the ledger row) allocates; at 16 each did.
  std::string id(15, '0');
  for (int i = 14; i >= 0; --i, z >>= 4) id[static_cast<std::size_t>(i)] = kHex[z & 15];
  return id;
}

}  // namespace modelmux
