#include "modelmux/chat.hpp"

namespace modelmux {

std::string_view ContentPart::base64_data() const {
  std::string_view url = image_url;
  auto comma = url.find(',');
  if (!url.starts_with("data:") || comma == std::string_view::npos ||
      !url.substr(0, comma).ends_with(";base64"))
    return {};
  return url.substr(comma + 1);
}

std::string_view ContentPart::image_media_type() const {
  if (!media_type.empty()) return media_type;
  std::string_view url = image_url;
  if (!url.starts_with("data:")) return {};
  auto end = url.find_first_of(";,");
  return end == std::string_view::npos ? std::string_view() : url.substr(5, end - 5);
}

std::string Message::text() const {
  if (content.size() == 1 && content[0].kind == ContentPart::Kind::text) return content[0].text;
  std::string out;
  for (const auto& part : content)
    if (part.kind == ContentPart::Kind::text) out += part.text;
  return out;
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::system:
      return "system";
    case Role::developer:
      return "developer";
    case Role::user:
      return "user";
    case Role::assistant:
      return "assistant";
    case Role::tool:
      return "tool";
  }
  return "user";
}

std::optional<Role> role_from_string(std::string_view s) {
  if (s == "user") return Role::user;
  if (s == "assistant") return Role::assistant;
  if (s == "system") return Role::system;
  if (s == "developer") return Role::developer;
  if (s == "tool") return Role::tool;
  return std::nullopt;
}

std::string_view to_string(FinishReason reason) {
  switch (reason) {
    case FinishReason::none:
      return "";
    case FinishReason::stop:
      return "stop";
    case FinishReason::length:
      return "length";
    case FinishReason::tool_calls:
      return "tool_calls";
    case FinishReason::content_filter:
      return "content_filter";
  }
  return "";
}

FinishReason finish_reason_from_string(std::string_view s) {
  if (s == "stop") return FinishReason::stop;
  if (s == "length") return FinishReason::length;
  if (s == "tool_calls" || s == "function_call") return FinishReason::tool_calls;
  if (s == "content_filter") return FinishReason::content_filter;
  return FinishReason::none;
}

}  // namespace modelmux
