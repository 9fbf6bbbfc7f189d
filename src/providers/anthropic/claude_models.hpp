// Facts about Claude model ids that change what a request may carry, wherever Claude is served
// (Anthropic's API, Bedrock).
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace modelmux::anthropic {

// Claude Opus 4.1 and the 4.5 generation on (Sonnet 4.5, Haiku 4.5, Opus 4.5, Sonnet 4.6, ...) refuse a
// request that sets both temperature and top_p ("cannot both be specified for this model"); older ones
// take both. Matches ids in any decoration: claude-sonnet-4-5-20250929, us.anthropic.claude-opus-4-1-v1:0.
inline bool takes_one_sampling_parameter(std::string_view model) {
  std::string id(model);
  for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (id.find("claude") == std::string::npos) return false;
  for (std::string_view family : {"opus-", "sonnet-", "haiku-"}) {
    auto at = id.find(family);
    if (at == std::string::npos) continue;
    std::size_t i = at + family.size();
    int major = 0, minor = 0, major_digits = 0;
    while (i < id.size() && std::isdigit(static_cast<unsigned char>(id[i])))
      major = major * 10 + (id[i++] - '0'), ++major_digits;
    // The older scheme puts the version first (claude-3-7-sonnet-20250219): a date follows the family.
    if (major_digits == 0 || major_digits > 2) return false;
    // A minor version is one or two digits after a dash; a longer run is a date (claude-sonnet-4-20250514).
    if (i + 1 < id.size() && id[i] == '-' && std::isdigit(static_cast<unsigned char>(id[i + 1]))) {
      std::size_t j = i + 1;
      int digits = 0, value = 0;
      while (j < id.size() && std::isdigit(static_cast<unsigned char>(id[j])))
        value = value * 10 + (id[j++] - '0'), ++digits;
      if (digits <= 2) minor = value;
    }
    int version = major * 100 + minor;
    return version >= 405 || (family == "opus-" && version >= 401);
  }
  return false;
}

}  // namespace modelmux::anthropic
