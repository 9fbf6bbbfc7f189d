// Writing to a plain TCP socket without waiting: what the socket takes now goes out in one sendmsg, and
// the caller waits (asynchronously, as before) only for what is left. A response, a stream's chunk or an
// upstream request nearly always fits the socket's send buffer, and Asio's async_write would then still
// hand its completion through the scheduler's queue and resume the coroutine from there: ~1k instructions
// a write on the pass-through path, for a system call that had already finished.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>
#include <cerrno>
#include <iterator>
#include <span>

namespace modelmux::http {

// Sends what socket `fd` takes of `buffers` now (MSG_DONTWAIT: the socket's own blocking mode, which Asio
// manages, is left alone) and drops it from their front. True when nothing is left. A full socket is not
// an error; any other failure is, in `ec`. (No other write may be under way on the socket.)
inline bool write_now(int fd, std::span<boost::asio::const_buffer> buffers, boost::system::error_code& ec) {
  iovec iov[4];  // (callers gather at most three; more would be written in part, and the rest waited for)
  std::size_t n = std::min(buffers.size(), std::size(iov));
  for (std::size_t i = 0; i < n; ++i) iov[i] = {const_cast<void*>(buffers[i].data()), buffers[i].size()};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = n;
  ssize_t sent;
  do {
    sent = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) ec.assign(errno, boost::system::system_category());
    return false;
  }
  auto left = static_cast<std::size_t>(sent);
  bool all = true;
  for (auto& b : buffers) {
    std::size_t k = std::min(left, b.size());
    b += k;
    left -= k;
    all = all && b.size() == 0;
  }
  return all;
}

}  // namespace modelmux::http
