// Why: glibc keeps at most 7 freed blocks of each size per thread before a free takes its slower, locked
// path. A request allocates and frees the same few sizes (coroutine frames, strings, reply objects), and
// with tens of requests in flight far more than 7 of a size are freed in a burst: at 64 connections that
// cost ~2.8k instructions per pass-through request and ~5.4k per governed one (bench/instructions.sh,
// GLIBC_TUNABLES=glibc.malloc.tcache_count=256 against the default; 64 already takes most of it, 1024
// no more). The setting is glibc's own and exists only as an environment variable read at start, hence the
// re-execution, which keeps the process id, arguments and descriptors. An operator who sets GLIBC_TUNABLES
// at all is left alone (glibc.malloc.tcache_count=7 is glibc's default; glibc rewrites the variable as it
// reads it, so adding to an operator's own list is not something to rely on), and so is a process that
// cannot find its own executable.
#include "app/malloc_tuning.hpp"

#include <unistd.h>

#include <cstdlib>

namespace modelmux::app {

void tune_malloc(char** argv) {
#if defined(__SANITIZE_ADDRESS__)
  return;  // the sanitizer's allocator replaces glibc's: nothing to tune
#endif
  if (std::getenv("GLIBC_TUNABLES")) return;
  if (::setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=256", 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Still here: no re-execution (no /proc, say). Serve with glibc's defaults; the variable stays set for
  // nothing, since only a new process would read it.
}

}  // namespace modelmux::app
