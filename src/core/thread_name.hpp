// Names a thread as `top -H`, `ps -L`, perf and /proc/<pid>/task/*/comm show it: a gateway's threads
// (request workers, the ledger's writer and checkpointer, health checks) are told apart at a glance when one
// of them is busy. Named by whoever started it, so the name is there as soon as the thread is. Linux keeps
// at most 15 characters; longer names are cut.
#pragma once

#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <thread>

namespace modelmux {

inline void name_thread(std::thread& t, std::string_view name) {
  char buf[16] = {};
  std::memcpy(buf, name.data(), std::min(name.size(), sizeof buf - 1));
  pthread_setname_np(t.native_handle(), buf);
}

}  // namespace modelmux
