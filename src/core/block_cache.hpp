// Freed memory blocks of up to 1 KiB kept by size class for the next allocation of that class: the cache
// behind modelmux's operator new (app/allocator.cpp), one per thread. A request allocates and frees the same
// few dozen small blocks (coroutine frames, strings, reply objects); glibc's malloc and free cost ~45 and
// ~65 instructions each for them, a list push or pop here ~10.
//
// A block lives in class c when it has room for at least c * kGranule bytes, so a block taken from class
// c fits any request of up to that many. Blocks are plain malloc'd memory: whatever the cache does not
// keep goes back to free().
#pragma once

#include <cstddef>
#include <cstdint>

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
  static constexpr std::uint32_t keep_limit(std::size_t c) {
    std::size_t by_bytes = (128 * 1024) / (c * kGranule);
    return static_cast<std::uint32_t>(by_bytes < 256 ? by_bytes : 256);
  }

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
      b.head = *static_cast<void**>(p);
      --b.count;
    }
    return p;
  }
  // Keeps `p` in class `c`; false when the class is full or `c` is not a class (the caller frees it).
  bool keep(void* p, std::size_t c) {
    if (c == 0 || c > kClasses) return false;
    Bin& b = bins_[c];
    if (b.count >= keep_limit(c)) return false;
    *static_cast<void**>(p) = b.head;
    b.head = p;
    ++b.count;
    return true;
  }
  // Hands every kept block to `release` (free(), at thread exit).
  template <class Release>
  void drain(Release release) {
    for (Bin& b : bins_) {
      while (void* p = b.head) {
        b.head = *static_cast<void**>(p);
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
  Bin bins_[kClasses + 1];  // (index 0 unused: a class is never 0)
};

}  // namespace modelmux::memory
