// Writes made at once when the kernel can take them. A response or an upstream request is a few hundred
// bytes on a socket whose send buffer is empty, so the kernel nearly always takes it whole in one sendmsg;
// Asio's async_write would make the same system call and then post its completion through the scheduler and
// resume the coroutine from there, which cost more than the write. The sockets are non-blocking
// (`socket.non_blocking(true)` where they are opened), so a write the kernel cannot take whole returns what
// it took, and the caller sends the rest with async_write, under its deadline, as before.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <vector>

namespace modelmux::http {

// Writes what the kernel takes of `buffers` now. True: all of it went, or the write failed (`ec`); false:
// `written` bytes went and the rest waits for the socket to drain (use rest_of).
template <class Buffers>
bool write_now(boost::asio::ip::tcp::socket& socket, const Buffers& buffers, std::size_t& written,
               boost::system::error_code& ec) {
  written = 0;
  if (!socket.non_blocking()) return false;  // a blocking write would stall every request on the thread
  written = socket.write_some(buffers, ec);
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
    ec = {};
    written = 0;
    return false;
  }
  return ec || written == boost::asio::buffer_size(buffers);
}

// `buffers` past their first `skip` bytes.
template <class Buffers>
std::vector<boost::asio::const_buffer> rest_of(const Buffers& buffers, std::size_t skip) {
  std::vector<boost::asio::const_buffer> rest;
  for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
       ++it) {
    boost::asio::const_buffer b(*it);
    if (skip >= b.size()) {
      skip -= b.size();
      continue;
    }
    rest.push_back(b + skip);
    skip = 0;
  }
  return rest;
}

}  // namespace modelmux::http
