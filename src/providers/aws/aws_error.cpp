#include "providers/aws/aws_error.hpp"

#include <boost/json.hpp>

#include "core/json_util.hpp"

namespace json = boost::json;

namespace modelmux::aws {

std::string error_message(std::string_view body) {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (!ec && v.is_object()) {
    for (auto key : {"message", "Message"})
      if (auto m = json_util::string_field(v.get_object(), key); !m.empty()) return std::string(m);
  }
  return std::string(body.substr(0, 300));
}

std::string error_type(std::string_view header, std::string_view body) {
  std::string_view t = header;
  if (t.empty()) {
    boost::system::error_code ec;
    auto v = json_util::parse(body, ec);
    if (!ec && v.is_object()) {
      std::string from_body(json_util::string_field(v.get_object(), "__type"));
      if (auto hash = from_body.rfind('#'); hash != std::string::npos) from_body.erase(0, hash + 1);
      if (auto colon = from_body.find(':'); colon != std::string::npos) from_body.resize(colon);
      return from_body;
    }
  }
  return std::string(t.substr(0, t.find(':')));
}

}  // namespace modelmux::aws
