// modelmux's operator new and delete: blocks of up to 1 KiB come from and go back to a per-thread
// BlockCache (core/block_cache.hpp) before glibc's malloc and free. A pass-through request makes ~34
// allocations (coroutine frames, strings, the reply's objects), and glibc's fast path, its per-thread
// tcache, still costs ~110 instructions for a malloc and its free: ~3.7k instructions a request, an eighth
// of the gateway's own work (bench/instructions.sh).
//
// Only in the gateway's binary (unit tests keep the standard allocator), and not under a sanitizer, whose
// allocator must see every block to find misuse. Double frees and overwritten links of kept blocks still
// stop the process, as glibc's would (core/block_cache.hpp).
#include <malloc.h>

#include <cstdlib>
#include <new>

#include "core/block_cache.hpp"

// (GCC says so with __SANITIZE_ADDRESS__ and __SANITIZE_THREAD__, Clang with __has_feature.)
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MODELMUX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define MODELMUX_SANITIZED 1
#endif
#endif

#if !defined(MODELMUX_SANITIZED)

namespace {

using modelmux::memory::BlockCache;

// Constant-initialized, so reaching it costs no guard check on any allocation. What a thread still keeps
// when it ends is freed by its Drain (made on the thread's first kept block); blocks deleted after that,
// by later thread-exit code, go straight to free().
struct ThreadBlocks {
  BlockCache cache;
  bool draining_armed;
  bool drained;
};
constinit thread_local ThreadBlocks t_blocks{};

struct Drain {
  bool armed = false;
  ~Drain() {
    t_blocks.drained = true;
    t_blocks.cache.drain([](void* p) { std::free(p); });
  }
};
thread_local Drain t_drain;

[[gnu::noinline]] void arm_drain() {
  t_blocks.draining_armed = true;
  t_drain.armed = true;  // (its first use on this thread constructs it and registers its destructor)
}

void* allocate(std::size_t n) {
  if (n - 1 < BlockCache::kLargest) {  // (1..kLargest: n == 0 wraps around and is served as 1 byte below)
    std::size_t c = BlockCache::class_for_request(n);
    if (void* p = t_blocks.cache.take(c)) return p;
    n = c * BlockCache::kGranule;
  }
  for (;;) {
    if (void* p = std::malloc(n ? n : 1)) return p;
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}

void release(void* p, std::size_t c) {
  if (!t_blocks.drained && t_blocks.cache.keep(p, c)) {
    if (!t_blocks.draining_armed) [[unlikely]]
      arm_drain();
    return;
  }
  std::free(p);
}

}  // namespace

void* operator new(std::size_t n) {
  return allocate(n);
}

void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}

void operator delete(void* p) noexcept {
  if (!p) return;
  // Its size is not given: the class its room allows (a block from the cache or from malloc(c * 16) has
  // room for at least c * 16 bytes).
  release(p, BlockCache::class_for_room(malloc_usable_size(p)));
}

void operator delete(void* p, std::size_t n) noexcept {
  if (!p) return;
  // The size it was allocated with: served from class_for_request(n), or by malloc of that class's size.
  if (n - 1 < BlockCache::kLargest)
    release(p, BlockCache::class_for_request(n));
  else
    std::free(p);
}

void operator delete(void* p, const std::nothrow_t&) noexcept {
  operator delete(p);
}

#endif  // !defined(MODELMUX_SANITIZED)
