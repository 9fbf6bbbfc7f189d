#include "http/exchange.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

namespace modelmux::http {
namespace bhttp = boost::beast::http;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

asio::awaitable<bool> Exchange::respond(unsigned status, std::string_view content_type, std::string body,
                                        const Headers& extra) {
  responded_ = true;
  status_ = status;
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, content_type);
  res.set("x-request-id", request_id_);
  for (const auto& [k, v] : extra) res.set(k, v);
  res.keep_alive(keep_alive_);
  res.body() = std::move(body);
  res.prepare_payload();
  stream_.expires_after(write_timeout_);
  auto [ec, n] = co_await bhttp::async_write(stream_, res, tuple_awaitable);
  if (ec) broken_ = true;
  co_return !ec;
}

asio::awaitable<bool> Exchange::begin_stream(unsigned status, std::string_view content_type, const Headers& extra) {
  responded_ = true;
  streaming_ = true;
  status_ = status;
  bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, content_type);
  res.set(bhttp::field::cache_control, "no-cache");
  res.set("x-request-id", request_id_);
  for (const auto& [k, v] : extra) res.set(k, v);
  res.keep_alive(keep_alive_);
  res.chunked(true);
  bhttp::response_serializer<bhttp::empty_body> sr{res};
  stream_.expires_after(write_timeout_);
  auto [ec, n] = co_await bhttp::async_write_header(stream_, sr, tuple_awaitable);
  if (ec) broken_ = true;
  co_return !ec;
}

asio::awaitable<bool> Exchange::write(std::string_view data) {
  if (broken_) co_return false;
  if (data.empty()) co_return true;  // an empty chunk would end the chunked body
  stream_.expires_after(write_timeout_);
  auto [ec, n] = co_await asio::async_write(stream_, bhttp::make_chunk(asio::buffer(data.data(), data.size())),
                                            tuple_awaitable);
  if (ec) broken_ = true;
  co_return !ec;
}

asio::awaitable<bool> Exchange::end_stream() {
  if (broken_) co_return false;
  stream_.expires_after(write_timeout_);
  auto [ec, n] = co_await asio::async_write(stream_, bhttp::make_chunk_last(), tuple_awaitable);
  if (ec) broken_ = true;
  co_return !ec;
}

void Exchange::abort() {
  responded_ = true;
  broken_ = true;
  boost::system::error_code ignored;
  stream_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
  stream_.socket().close(ignored);
}

}  // namespace modelmux::http
