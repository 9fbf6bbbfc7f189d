// Freed memory blocks of up to 1 KiB kept by size class for the next allocation of that class: the cache
// behind modelmux's operator new (app/allocator.cpp), one per thread. A request allocates and frees the same
// few dozen small blocks (coroutine frames, strings, reply objects); glibc's malloc and free cost ~45 and
// ~65 instructions each for them, a list push or pop here ~15.
//
// A block lives in class c when it has room for at least c * kGranule bytes, so a block taken from class
// c fits any request of up to that many. Blocks are plain malloc'd memory: whatever the cache does not
// keep goes back to free().
//
// The hardening glibc gives its own per-thread lists is kept, since a gateway faces the network: a kept
// block's link is stored mangled with its own address (glibc's safe-linking), so an address written over
// it by a use after free reads back misaligned (15 times in 16) and stops the process instead of being
// handed out; and a kept block carries a mark in its second word, so freeing it again is found (a scan of
// the classes, only when the mark is there) and stops the process rather than handing the block out twice.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace modelmux::memory {

class BlockCache {
 public:
  static constexpr std::size_t kGranule = 16;
  static constexpr std::size_t kClasses = 64;                   // 16, 32, ... 1024 bytes
  static constexpr std::size_t kLargest = kClasses * kGranule;  // larger blocks are never kept

  // Blocks kept per class at most: as many as a worker has in flight at once (a frame of each kind per
  // request, and tens of requests), up to 128 KiB of each class. What a class holds is what its busiest
  // moment freed, which glibc would hold in its own lists as well. (32 a class missed a quarter of the
  // allocations at 64 connections.)
  static constexpr std::uint32_t keep_limit(std::size_t c) { return kLimits[c]; }

  // The class a request of `n` bytes (1..kLargest) is served from: the least whose blocks all fit it.
  static constexpr std::size_t class_for_request(std::size_t n) { return (n + kGranule - 1) / kGranule; }
  // The class a free block with room for `usable` bytes belongs to: the greatest whose requests it fits;
  // 0 when it is too small for any, or past kClasses when too large to keep.
  static constexpr std::size_t class_for_room(std::size_t usable) { return usable / kGranule; }

  // A block of class `c` (1..kClasses), or null when none is kept.
  void* take(std::size_t c) {
    Bin& b = bins_[c];
    void* p = b.head;
    if (p) {
      std::uintptr_t next = reveal(p, word(p, 0));
      if (next % kGranule != 0) corrupted("a kept block's link was overwritten (a use after free)");
      b.head = reinterpret_cast<void*>(next);
      --b.count;
      set_word(p, 1, 0);  // (no longer kept: its mark goes)
    }
    return p;
  }
  // Keeps `p` in class `c`; false when the class is full or `c` is not a class (the caller frees it).
  bool keep(void* p, std::size_t c) {
    if (c == 0 || c > kClasses) return false;
    Bin& b = bins_[c];
    if (word(p, 1) == kKeptMark) [[unlikely]]
      check_not_kept(p);
    if (b.count >= kLimits[c]) return false;
    set_word(p, 0, mangle(p, reinterpret_cast<std::uintptr_t>(b.head)));
    set_word(p, 1, kKeptMark);
    b.head = p;
    ++b.count;
    return true;
  }
  // Hands every kept block to `release` (free(), at thread exit).
  template <class Release>
  void drain(Release release) {
    for (Bin& b : bins_) {
      while (void* p = b.head) {
        b.head = reinterpret_cast<void*>(reveal(p, word(p, 0)));
        set_word(p, 1, 0);
        release(p);
      }
      b.count = 0;
    }
  }
  std::uint32_t kept(std::size_t c) const { return bins_[c].count; }

 private:
  struct Bin {
    void* head;
    std::uint32_t count;
  };
  static constexpr std::array<std::uint16_t, kClasses + 1> kLimits = [] {
    std::array<std::uint16_t, kClasses + 1> t{};
    for (std::size_t c = 1; c <= kClasses; ++c) {
      std::size_t by_bytes = (128 * 1024) / (c * kGranule);
      t[c] = static_cast<std::uint16_t>(by_bytes < 256 ? by_bytes : 256);
    }
    return t;
  }();
  // In a kept block's second word. Any value will do: a block whose own data holds it when freed only
  // costs a scan of its class.
  static constexpr std::uintptr_t kKeptMark = 0x6b6570746d6d626bULL;

  static std::uintptr_t word(const void* p, int i) {
    std::uintptr_t w;
    std::memcpy(&w, static_cast<const char*>(p) + i * sizeof w, sizeof w);
    return w;
  }
  static void set_word(void* p, int i, std::uintptr_t w) {
    std::memcpy(static_cast<char*>(p) + i * sizeof w, &w, sizeof w);
  }
  static std::uintptr_t mangle(const void* at, std::uintptr_t link) {
    return link ^ (reinterpret_cast<std::uintptr_t>(at) >> 12);
  }
  static std::uintptr_t reveal(const void* at, std::uintptr_t stored) { return mangle(at, stored); }

  // `p` carries the mark: it is kept already (a double free) if any class holds it.
  [[gnu::noinline]] void check_not_kept(void* p) const {
    for (const Bin& b : bins_)
      for (void* q = b.head; q; q = reinterpret_cast<void*>(reveal(q, word(q, 0))))
        if (q == p) corrupted("a block was freed twice");
  }
  [[noreturn, gnu::noinline]] static void corrupted(const char* what) {
    std::fprintf(stderr, "modelmux: memory corrupted: %s\n", what);
    std::abort();
  }

  Bin bins_[kClasses + 1];  // (index 0 unused: a class is never 0)
};

}  // namespace modelmux::memory
