#include "http/read_hint.hpp"

#include <boost/version.hpp>

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
template struct Reach<TrySpeculative, &Descriptor::try_speculative_>;
template struct Reach<DescriptorMutex, &Descriptor::mutex_>;

// The socket's implementation is a protected member of basic_socket: a derived class may name it.
struct SocketAccess : tcp::socket {
  static Descriptor* descriptor(tcp::socket& s) {
    return (s.*(&SocketAccess::impl_)).get_implementation().reactor_data_;
  }
};

}  // namespace

void wait_before_next_read(tcp::socket& socket) {
  Descriptor* d = SocketAccess::descriptor(socket);
  if (!d) return;
  // (Under the descriptor's lock, as the reactor reads and writes the flag: another thread may cancel.)
  detail::conditionally_enabled_mutex::scoped_lock lock(d->*get(DescriptorMutex{}));
  (d->*get(TrySpeculative{}))[detail::epoll_reactor::read_op] = false;
}

bool read_hint_available() {
  return true;
}
#else
void wait_before_next_read(boost::asio::ip::tcp::socket&) {}

bool read_hint_available() {
  return false;
}
#endif

}  // namespace modelmux::http
