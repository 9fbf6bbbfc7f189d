#include "http/message.hpp"

#include <boost/beast/core/string.hpp>

namespace modelmux::http {

void HeaderList::add(std::string_view name, std::string_view value) {
  Entry e;
  e.name = static_cast<std::uint32_t>(text_.size());
  e.name_len = static_cast<std::uint32_t>(name.size());
  text_.append(name);
  e.value = static_cast<std::uint32_t>(text_.size());
  e.value_len = static_cast<std::uint32_t>(value.size());
  text_.append(value);
  entries_.push_back(e);
}

std::string_view HeaderList::get(std::string_view name) const {
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].name_len == name.size() && boost::beast::iequals(this->name(i), name)) return value(i);
  return {};
}

void RequestParser::on_request_impl(boost::beast::http::verb, bsv method, bsv target,
                                    int version, error_code&) {
  out_.method.assign(method.data(), method.size());
  out_.target.assign(target.data(), target.size());
  out_.version = static_cast<unsigned>(version);
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  if (length) out_.body.reserve(static_cast<std::size_t>(*length));
}

}  // namespace modelmux::http
