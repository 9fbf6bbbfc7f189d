// The completion token for every Asio operation awaited in a coroutine: `co_await op(..., awaited)`.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>

namespace modelmux {

// as_tuple: the error comes back as a value beside the result, never as an exception. deferred rather than
// use_awaitable: awaited in an asio::awaitable, a deferred operation is started from the awaiting frame
// itself, where use_awaitable wraps each operation in a coroutine frame of its own that is allocated, pushed,
// resumed and popped (~90 instructions an operation; two reads a pass-through request, measured by
// bench/instructions.sh).
inline constexpr auto awaited = boost::asio::as_tuple(boost::asio::deferred);

}  // namespace modelmux
