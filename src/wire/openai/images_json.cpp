#include "wire/openai/images_json.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "core/json_util.hpp"

namespace json = boost::json;

namespace modelmux::openai {
namespace {

constexpr auto bad = json_util::invalid_field;

// "1024x1536" -> (1024, 1536); false for anything else.
bool parse_size(std::string_view s, int& w, int& h) {
  auto x = s.find('x');
  if (x == std::string_view::npos) return false;
  auto num = [](std::string_view t, int& out) {
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc() && p == t.data() + t.size() && out > 0 && out <= 16384;
  };
  return num(s.substr(0, x), w) && num(s.substr(x + 1), h);
}

}  // namespace

Result<ImageRequest> decode_image_request(const json::object& body) {
  ImageRequest r;
  for (const auto& [key, v] : body) {
    auto text = [&](std::string& field) -> Result<void> {
      if (v.is_null()) return {};
      if (!v.is_string())
        return bad(std::string(key), fmt::format("{} must be a string", std::string_view(key)));
      field = v.get_string();
      return {};
    };
    Result<void> ok;
    if (key == "model")
      ok = text(r.model);
    else if (key == "prompt")
      ok = text(r.prompt);
    else if (key == "quality")
      ok = text(r.quality);
    else if (key == "style")
      ok = text(r.style);
    else if (key == "user")
      ok = text(r.user);
    else if (key == "size")
      ok = text(r.size);
    else if (key == "response_format")
      ok = text(r.response_format);
    else if (key == "n") {
      if (!v.is_null() && (!v.is_int64() || v.get_int64() < 1 || v.get_int64() > 10))
        return bad("n", "n must be an integer from 1 to 10");
      if (v.is_int64()) r.n = v.get_int64();
    } else if (key == "stream") {
      if (v.is_bool() && v.get_bool()) return bad("stream", "streamed image generation is not supported");
    } else {
      r.extra[key] = v;
    }
    if (!ok) return std::unexpected(ok.error());
  }
  if (r.model.empty()) return bad("model", "model is required");
  if (r.prompt.empty()) return bad("prompt", "prompt is required");
  if (!r.response_format.empty() && r.response_format != "url" && r.response_format != "b64_json")
    return bad("response_format", "response_format must be url or b64_json");
  if (!r.size.empty() && r.size != "auto" && !parse_size(r.size, r.width, r.height))
    return bad("size",
               fmt::format("size must be WIDTHxHEIGHT (such as 1024x1024) or auto, not \"{}\"", r.size));
  return r;
}

json::object encode_image_request(const ImageRequest& req, std::string_view upstream_model) {
  json::object o = req.extra;
  o["model"] = upstream_model;
  o["prompt"] = req.prompt;
  if (req.n != 1) o["n"] = req.n;
  for (auto [key, value] : {std::pair{"size", &req.size},
                            {"response_format", &req.response_format},
                            {"quality", &req.quality},
                            {"style", &req.style},
                            {"user", &req.user}})
    if (!value->empty()) o[key] = *value;
  return o;
}

Result<ImageResponse> decode_image_response(const json::object& body) {
  auto* data = body.if_contains("data");
  if (!data || !data->is_array()) return fail(ErrorCode::upstream_error, "image reply has no data list");
  ImageResponse r;
  r.created = json_util::int_field(body, "created");
  for (const auto& item : data->get_array()) {
    if (!item.is_object()) return fail(ErrorCode::upstream_error, "image reply data item is not an object");
    const auto& o = item.get_object();
    r.data.push_back(GeneratedImage{std::string(json_util::string_field(o, "b64_json")),
                                    std::string(json_util::string_field(o, "url")),
                                    std::string(json_util::string_field(o, "revised_prompt"))});
  }
  if (auto* u = body.if_contains("usage"); u && u->is_object()) {
    Usage usage;
    usage.input_tokens = json_util::int_field(u->get_object(), "input_tokens");
    usage.output_tokens = json_util::int_field(u->get_object(), "output_tokens");
    r.usage = usage;
  }
  return r;
}

json::object encode_image_response(const ImageResponse& resp) {
  json::array data;
  for (const auto& img : resp.data) {
    json::object o;
    if (!img.b64_json.empty()) o["b64_json"] = img.b64_json;
    if (!img.url.empty()) o["url"] = img.url;
    if (!img.revised_prompt.empty()) o["revised_prompt"] = img.revised_prompt;
    data.push_back(std::move(o));
  }
  json::object out{{"created", resp.created}, {"data", std::move(data)}};
  if (resp.usage)
    out["usage"] = json::object{{"input_tokens", resp.usage->input_tokens},
                                {"output_tokens", resp.usage->output_tokens},
                                {"total_tokens", resp.usage->total()}};
  return out;
}

}  // namespace modelmux::openai
