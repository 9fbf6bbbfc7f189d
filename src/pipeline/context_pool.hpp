// Request Contexts recycled per thread. A Context is about 6 KiB (its JSON arena, the canonical request and
// reply); held in the serving coroutine's frame, it made that frame too large for the frame recycling
// (blocks up to 1 KiB, app/allocator.cpp), so every request paid glibc's large-chunk malloc and free for it.
// Kept apart and reused, it costs a pointer in the frame and no allocation once a thread has served as many
// requests at once as it will.
#pragma once

#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "pipeline/context.hpp"

namespace modelmux::pipeline {

namespace detail {

// A thread's free Context-sized blocks; at most kKeep are kept (a burst of concurrency gives the rest back).
class ContextBlocks {
 public:
  static constexpr std::size_t kKeep = 256;
  ContextBlocks() = default;
  ContextBlocks(const ContextBlocks&) = delete;
  ContextBlocks& operator=(const ContextBlocks&) = delete;
  ~ContextBlocks() {
    for (void* p : free_) ::operator delete(p);
  }
  void* take() {
    if (free_.empty()) return ::operator new(sizeof(Context));
    void* p = free_.back();
    free_.pop_back();
    return p;
  }
  void give(void* p) {
    if (free_.size() >= kKeep) return ::operator delete(p);
    free_.push_back(p);
  }
  static ContextBlocks& mine() {
    thread_local ContextBlocks blocks;
    return blocks;
  }

 private:
  std::vector<void*> free_;
};

static_assert(alignof(Context) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

}  // namespace detail

struct ContextDelete {
  void operator()(Context* ctx) const {
    ctx->~Context();
    detail::ContextBlocks::mine().give(ctx);
  }
};
using PooledContext = std::unique_ptr<Context, ContextDelete>;

template <class... Args>
PooledContext make_pooled_context(Args&&... args) {
  void* block = detail::ContextBlocks::mine().take();
  try {
    return PooledContext(new (block) Context(std::forward<Args>(args)...));
  } catch (...) {
    detail::ContextBlocks::mine().give(block);
    throw;
  }
}

}  // namespace modelmux::pipeline
