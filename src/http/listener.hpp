// What the server needs from the operating system before it serves: listening sockets that no other
// process already holds, and enough open files for the connections it promises to take.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstddef>

#include "config/config.hpp"

namespace modelmux::http {

// Connections taken beyond server.max_connections, only to answer a health check or refuse with a 503.
inline constexpr std::size_t kOverLimitReserve = 32;

// Throws when another process listens on `endpoint`. Each worker's acceptor sets SO_REUSEPORT, so a second
// instance would otherwise bind beside the first and the kernel would split connections between them.
void ensure_not_listening(const boost::asio::ip::tcp::endpoint& endpoint);

// Opens, binds (SO_REUSEADDR and SO_REUSEPORT) and listens.
void open_acceptor(boost::asio::ip::tcp::acceptor& acceptor, const boost::asio::ip::tcp::endpoint& endpoint);

// Raises the soft open-file limit (up to the hard one) to what the connection limit needs and returns that
// limit: server.max_connections, or when unset 10000 or fewer, as the hard limit allows. Logs on stderr
// when a configured limit cannot be held.
std::size_t prepare_connection_limit(const config::ServerConfig& cfg);

}  // namespace modelmux::http
