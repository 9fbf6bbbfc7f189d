#include "http/read_hint.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <boost/version.hpp>
#include <cerrno>
#include <cstdint>

// Only Asio 1.26 (Boost 1.81, Debian 12's) with its epoll reactor: the members reached below are private
// and may change in any other version.
#if BOOST_VERSION == 108100 && defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#define MODELMUX_READ_HINT 1
#include <boost/asio/detail/epoll_reactor.hpp>
#endif

namespace modelmux::http {

#if defined(MODELMUX_READ_HINT)
namespace {

namespace detail = boost::asio::detail;
using Descriptor = detail::epoll_reactor::descriptor_state;
using tcp = boost::asio::ip::tcp;

// A private member's pointer, taken the one way C++ allows it (an explicit instantiation's arguments are
// not access-checked): Reach<Tag, &Class::member> defines get(Tag) to return it.
template <class Tag, typename Tag::type Member>
struct Reach {
  friend typename Tag::type get(Tag) { return Member; }
};
struct TrySpeculative {
  using type = bool (Descriptor::*)[detail::epoll_reactor::max_ops];
  friend type get(TrySpeculative);
};
struct DescriptorMutex {
  using type = detail::conditionally_enabled_mutex Descriptor::*;
  friend type get(DescriptorMutex);
};
struct OpQueues {
  using type = detail::op_queue<detail::reactor_op> (Descriptor::*)[detail::epoll_reactor::max_ops];
  friend type get(OpQueues);
};
struct RegisteredEvents {
  using type = std::uint32_t Descriptor::*;
  friend type get(RegisteredEvents);
};
struct DescriptorReactor {
  using type = detail::epoll_reactor* Descriptor::*;
  friend type get(DescriptorReactor);
};
struct EpollFd {
  using type = int detail::epoll_reactor::*;
  friend type get(EpollFd);
};
// The events that woke the descriptor last (epoll_reactor::run sets them before its operations run).
struct ReadyEvents {
  using type = unsigned int detail::scheduler_operation::*;
  friend type get(ReadyEvents);
};
template struct Reach<TrySpeculative, &Descriptor::try_speculative_>;
template struct Reach<RegisteredEvents, &Descriptor::registered_events_>;
template struct Reach<DescriptorReactor, &Descriptor::reactor_>;
template struct Reach<EpollFd, &detail::epoll_reactor::epoll_fd_>;
template struct Reach<ReadyEvents, &detail::scheduler_operation::task_result_>;
template struct Reach<DescriptorMutex, &Descriptor::mutex_>;
template struct Reach<OpQueues, &Descriptor::op_queue_>;

// The socket's implementation is a protected member of basic_socket: a derived class may name it.
struct SocketAccess : tcp::socket {
  static Descriptor* descriptor(tcp::socket& s) {
    return (s.*(&SocketAccess::impl_)).get_implementation().reactor_data_;
  }
};

// Whether a socket a short read just found empty may be marked drained. A short read does not show an end
// of stream that came with its last bytes, and that close's event is spent: marked drained, the socket
// would wait for an event that never comes (a client that half-closes after its request would wait out the
// idle timeout for the server's close). epoll says so with EPOLLRDHUP, which Asio does not ask for: the
// first time, it is added to the socket's registration (epoll_ctl, once a connection; Asio keeps it in
// its later changes), and the socket is not marked, since the events already taken did not carry it.
// (Re-registering reports anything pending as a new event.) Under the descriptor's lock.
bool may_mark_drained(Descriptor* d, int fd) {
  std::uint32_t& registered = d->*get(RegisteredEvents{});
  if (!(registered & EPOLLRDHUP)) {
    epoll_event ev{};
    ev.events = registered | EPOLLRDHUP;
    ev.data.ptr = d;
    if (::epoll_ctl(d->*get(DescriptorReactor{})->*get(EpollFd{}), EPOLL_CTL_MOD, fd, &ev) == 0)
      registered = ev.events;
    return false;
  }
  // (A C-style cast reaches the private base, as the language allows.)
  auto* as_operation = (detail::scheduler_operation*)d;  // NOLINT(cppcoreguidelines-pro-type-cstyle-cast)
  return !(as_operation->*get(ReadyEvents{}) & EPOLLRDHUP);
}

}  // namespace

void mark_drained(tcp::socket& socket) {
  Descriptor* d = SocketAccess::descriptor(socket);
  if (!d) return;
  detail::conditionally_enabled_mutex::scoped_lock lock(d->*get(DescriptorMutex{}));
  if (may_mark_drained(d, socket.native_handle()))
    (d->*get(TrySpeculative{}))[detail::epoll_reactor::read_op] = false;
}

void wait_before_next_read(tcp::socket& socket) {
  Descriptor* d = SocketAccess::descriptor(socket);
  if (!d) return;
  // (Under the descriptor's lock, as the reactor reads and writes the flag: another thread may cancel.)
  detail::conditionally_enabled_mutex::scoped_lock lock(d->*get(DescriptorMutex{}));
  (d->*get(TrySpeculative{}))[detail::epoll_reactor::read_op] = false;
}

ReadStart start_read(tcp::socket& socket, boost::asio::mutable_buffer buffer) {
  Descriptor* d = SocketAccess::descriptor(socket);
  if (!d || buffer.size() == 0) return {};
  detail::conditionally_enabled_mutex::scoped_lock lock(d->*get(DescriptorMutex{}));
  // Another operation on the socket (the client watch's wait, a write) may complete first from the same
  // event, and then this read's completion is posted: Asio's own way, with nothing known.
  for (const auto& queue : d->*get(OpQueues{}))
    if (!queue.empty()) return {};
  bool& tries_first = (d->*get(TrySpeculative{}))[detail::epoll_reactor::read_op];
  if (!tries_first) return {.from_event = true};
  ssize_t n = ::recv(socket.native_handle(), buffer.data(), buffer.size(), MSG_DONTWAIT);
  if (n > 0) {
    if (static_cast<std::size_t>(n) < buffer.size() && may_mark_drained(d, socket.native_handle()))
      tries_first = false;
    return {.done = true, .n = static_cast<std::size_t>(n)};
  }
  if (n == 0) return {.done = true, .ec = boost::asio::error::eof};
  int err = errno;
  if (err == EAGAIN || err == EWOULDBLOCK) {
    tries_first = false;  // empty now: whatever comes next is an event, which turns trying first back on
    return {.from_event = true};
  }
  if (err == EINTR) return {};
  return {.done = true, .ec = boost::system::error_code(err, boost::asio::error::get_system_category())};
}

bool read_hint_available() {
  return true;
}
#else
ReadStart start_read(boost::asio::ip::tcp::socket&, boost::asio::mutable_buffer) {
  return {};
}

void mark_drained(boost::asio::ip::tcp::socket&) {}

void wait_before_next_read(boost::asio::ip::tcp::socket&) {}

bool read_hint_available() {
  return false;
}
#endif

}  // namespace modelmux::http
