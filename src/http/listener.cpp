#include "http/listener.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <iostream>
#include <stdexcept>

namespace modelmux::http {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kDefaultMaxConnections = 10'000;
// Descriptors beside the connections: listeners, idle pooled upstream connections, the store, logs.
constexpr std::size_t kSpareFiles = 1024;

// Each client connection may hold one upstream connection while its request is in flight.
std::size_t files_needed(std::size_t max_connections) {
  return 2 * (max_connections + kOverLimitReserve) + kSpareFiles;
}

std::string address(const tcp::endpoint& ep) {
  return ep.address().is_v6() ? fmt::format("[{}]:{}", ep.address().to_string(), ep.port())
                              : fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

}  // namespace

void ensure_not_listening(const tcp::endpoint& endpoint) {
  if (endpoint.port() == 0) return;  // the kernel picks a free port
  // A bind without SO_REUSEPORT fails while any socket listens on the address (SO_REUSEADDR only lets it
  // past connections still in TIME_WAIT, so a restart is not refused). Other failures are left for the
  // real bind to report.
  asio::io_context ioc;
  tcp::acceptor probe(ioc);
  boost::system::error_code ec;
  probe.open(endpoint.protocol(), ec);
  if (!ec) probe.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) probe.bind(endpoint, ec);
  if (ec == asio::error::address_in_use)
    throw std::runtime_error(
        fmt::format("{} is already in use by another process; to share it with that process on purpose, set "
                    "server.reuse_port: true or pass --reuse-port",
                    address(endpoint)));
}

void open_acceptor(tcp::acceptor& acceptor, const tcp::endpoint& endpoint) {
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  int one = 1;
  if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    throw std::runtime_error("cannot set SO_REUSEPORT");
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
}

std::size_t prepare_connection_limit(const config::ServerConfig& cfg) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return cfg.max_connections ? cfg.max_connections : kDefaultMaxConnections;
  std::size_t max = cfg.max_connections;
  if (max == 0) {  // unset: as many as the hard limit holds, up to the default
    max = kDefaultMaxConnections;
    if (lim.rlim_max != RLIM_INFINITY && files_needed(max) > lim.rlim_max) {
      std::size_t room = lim.rlim_max > files_needed(64) ? lim.rlim_max : files_needed(64);
      max = (room - kSpareFiles) / 2 - kOverLimitReserve;
    }
  }
  rlim_t want = files_needed(max);
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < want) {
    rlim_t cur = lim.rlim_max == RLIM_INFINITY ? want : std::min(want, lim.rlim_max);
    rlimit raised{cur, lim.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim.rlim_cur = cur;
  }
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < want)
    std::cerr << fmt::format(
                     "modelmux: the open-file limit is {} (hard limit {}), below the {} that {} connections "
                     "need; beyond it new connections fail. Raise it (ulimit -n) or lower "
                     "server.max_connections.",
                     lim.rlim_cur, lim.rlim_max, want, max)
              << std::endl;
  return max;
}

}  // namespace modelmux::http
