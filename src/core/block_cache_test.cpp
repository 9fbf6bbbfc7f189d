// BlockCache: a block is only ever handed out for a request it has room for, each class keeps a bounded
// number, and everything kept is given back when the cache drains.
#include "core/block_cache.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

namespace modelmux::memory {
namespace {

TEST(BlockCache, ClassesServeOnlyRequestsTheirBlocksHaveRoomFor) {
  for (std::size_t n = 1; n <= BlockCache::kLargest; ++n) {
    std::size_t c = BlockCache::class_for_request(n);
    ASSERT_GE(c * BlockCache::kGranule, n) << n;
    ASSERT_LT((c - 1) * BlockCache::kGranule, n) << n;  // the least such class: no room wasted
  }
  // A block with room for r bytes goes where every request served has at most r.
  for (std::size_t room = 0; room <= 2 * BlockCache::kLargest; ++room)
    ASSERT_LE(BlockCache::class_for_room(room) * BlockCache::kGranule, room) << room;
  EXPECT_EQ(BlockCache::class_for_room(8), 0u);  // too small for any class
  EXPECT_GT(BlockCache::class_for_room(BlockCache::kLargest + BlockCache::kGranule), BlockCache::kClasses);
}

TEST(BlockCache, KeepsBlocksPerClassLastInFirstOutUpToItsBound) {
  BlockCache cache{};
  const std::uint32_t limit = BlockCache::keep_limit(3);
  EXPECT_EQ(limit, 256u);
  EXPECT_EQ(BlockCache::keep_limit(BlockCache::kClasses), 128u);  // 128 KiB of 1 KiB blocks
  std::vector<void*> blocks;
  for (std::uint32_t i = 0; i < limit + 3; ++i) blocks.push_back(std::calloc(1, 48));
  std::size_t kept = 0;
  for (void* p : blocks) {
    if (cache.keep(p, 3))
      ++kept;
    else
      std::free(p);
  }
  EXPECT_EQ(kept, limit);
  EXPECT_EQ(cache.kept(3), limit);
  EXPECT_EQ(cache.take(2), nullptr) << "another class's blocks are not its own";
  EXPECT_EQ(cache.take(3), blocks[limit - 1]);  // the last kept, still warm in the cache
  EXPECT_EQ(cache.kept(3), limit - 1);
  cache.drain([](void* p) { std::free(p); });
  EXPECT_EQ(cache.kept(3), 0u);
  EXPECT_EQ(cache.take(3), nullptr);
  std::free(blocks[limit - 1]);
}

TEST(BlockCache, AKeptBlockFreedAgainStopsTheProcess) {
  BlockCache cache{};
  void* p = std::calloc(1, 64);
  ASSERT_TRUE(cache.keep(p, 4));
  EXPECT_DEATH(cache.keep(p, 4), "freed twice");
  EXPECT_DEATH(cache.keep(p, 2), "freed twice") << "found whichever class it is freed into";
  EXPECT_EQ(cache.take(4), p);
  EXPECT_TRUE(cache.keep(p, 4)) << "taken and freed again is no double free";
  cache.drain([](void* q) { std::free(q); });
}

TEST(BlockCache, AnOverwrittenLinkIsFoundBeforeItIsFollowed) {
  // A use after free that writes over a kept block's first word: what it writes is read back through
  // the mangling, and a link to an address no block can have (here: one 8 bytes into the other block)
  // stops the process instead of being handed out next. (A raw address written there reads back
  // misaligned 15 times in 16, as with glibc's own lists.)
  BlockCache cache{};
  void* a = std::calloc(1, 32);
  void* b = std::calloc(1, 32);
  ASSERT_TRUE(cache.keep(a, 2));
  ASSERT_TRUE(cache.keep(b, 2));
  std::uintptr_t forged =
      (reinterpret_cast<std::uintptr_t>(a) + 8) ^ (reinterpret_cast<std::uintptr_t>(b) >> 12);
  std::memcpy(b, &forged, sizeof forged);
  EXPECT_DEATH(cache.take(2), "use after free");
  std::uintptr_t fix = reinterpret_cast<std::uintptr_t>(a) ^ (reinterpret_cast<std::uintptr_t>(b) >> 12);
  std::memcpy(b, &fix, sizeof fix);  // (the link as the cache wrote it, so the test can clean up)
  cache.drain([](void* q) { std::free(q); });
}

TEST(BlockCache, RefusesWhatIsNoClass) {
  BlockCache cache{};
  void* p = std::calloc(1, 16);
  EXPECT_FALSE(cache.keep(p, 0));
  EXPECT_FALSE(cache.keep(p, BlockCache::kClasses + 1));
  std::free(p);
}

TEST(BlockCache, DrainGivesBackEveryBlockOnce) {
  BlockCache cache{};
  std::set<void*> given;
  for (std::size_t c = 1; c <= BlockCache::kClasses; c += 7)
    for (int i = 0; i < 3; ++i) {
      void* p = std::calloc(1, c * BlockCache::kGranule);
      given.insert(p);
      ASSERT_TRUE(cache.keep(p, c));
    }
  std::set<void*> back;
  cache.drain([&](void* p) {
    EXPECT_TRUE(back.insert(p).second) << "given back twice";
    std::free(p);
  });
  EXPECT_EQ(back, given);
}

}  // namespace
}  // namespace modelmux::memory
