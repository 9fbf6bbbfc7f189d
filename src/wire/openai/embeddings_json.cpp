#include "wire/openai/embeddings_json.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <bit>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/json_util.hpp"
#include "providers/embeddings_util.hpp"

namespace json = boost::json;

namespace modelmux::openai {
namespace {

Error bad(std::string message, std::string param) {
  return Error::make(ErrorCode::invalid_request, std::move(message), std::move(param));
}

bool is_token_list(const json::array& a) {
  for (const auto& t : a)
    if (!t.is_int64() && !t.is_uint64()) return false;
  return !a.empty();
}

// OpenAI's input: a string, an array of strings, an array of token ids, or an array of such arrays.
Result<void> decode_input(const json::value& input, EmbeddingsRequest& req) {
  if (input.is_string()) {
    if (input.get_string().empty())
      return std::unexpected(bad("'input' must not be an empty string", "input"));
    req.inputs.emplace_back(input.get_string());
    return {};
  }
  if (!input.is_array())
    return std::unexpected(
        bad("'input' must be a string, an array of strings, or an array of token arrays", "input"));
  const auto& a = input.get_array();
  if (a.empty()) return std::unexpected(bad("'input' must not be an empty array", "input"));
  if (is_token_list(a)) {
    req.token_input = true;
    return {};
  }
  bool strings = true, token_lists = true;
  for (const auto& item : a) {
    strings = strings && item.is_string() && !item.get_string().empty();
    token_lists = token_lists && item.is_array() && is_token_list(item.get_array());
  }
  if (token_lists) {
    req.token_input = true;
    return {};
  }
  if (!strings)
    return std::unexpected(
        bad("'input' items must all be non-empty strings, or all be arrays of token ids", "input"));
  req.inputs.reserve(a.size());
  for (const auto& item : a) req.inputs.emplace_back(item.get_string());
  return {};
}

void append_float(std::string& out, float v) {
  // JSON has no NaN or infinity; no real embedding holds them, so a broken upstream value reads as 0.
  if (!std::isfinite(v)) v = 0.0f;
  char buf[32];
  auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf, v);  // the shortest text that reads back the same float
  out.append(buf, end);
}

Result<std::vector<float>> floats_of(const json::value& v) {
  if (v.is_string()) return floats_from_base64(v.get_string());
  return providers::float_vector(v, "openai");
}

}  // namespace

Result<EmbeddingsRequest> decode_embeddings_request(const json::object& body) {
  EmbeddingsRequest req;
  for (const auto& [key, v] : body) {
    if (key == "model") {
      if (!v.is_string() || v.get_string().empty())
        return std::unexpected(bad("'model' must be a non-empty string", "model"));
      req.model = v.get_string();
    } else if (key == "input") {
      if (auto r = decode_input(v, req); !r) return std::unexpected(r.error());
    } else if (key == "encoding_format") {
      if (v.is_string() && v.get_string() == "float")
        req.encoding = EmbeddingEncoding::float_;
      else if (v.is_string() && v.get_string() == "base64")
        req.encoding = EmbeddingEncoding::base64;
      else if (!v.is_null())
        return std::unexpected(bad("'encoding_format' must be \"float\" or \"base64\"", "encoding_format"));
    } else if (key == "dimensions") {
      if (v.is_null()) continue;
      if (!v.is_int64() || v.get_int64() <= 0)
        return std::unexpected(bad("'dimensions' must be a positive integer", "dimensions"));
      req.dimensions = v.get_int64();
    } else if (key == "user") {
      if (!v.is_string()) return std::unexpected(bad("'user' must be a string", "user"));
      req.user = v.get_string();
    } else {
      req.extra[key] = v;
    }
  }
  if (req.model.empty()) return std::unexpected(bad("'model' is required", "model"));
  if (req.inputs.empty() && !req.token_input) return std::unexpected(bad("'input' is required", "input"));
  return req;
}

json::object encode_embeddings_request(const EmbeddingsRequest& req, std::string_view upstream_model) {
  json::object o = req.extra;
  o["model"] = upstream_model;
  json::array input;
  for (const auto& s : req.inputs) input.emplace_back(s);
  o["input"] = std::move(input);
  o["encoding_format"] = req.encoding == EmbeddingEncoding::base64 ? "base64" : "float";
  if (req.dimensions) o["dimensions"] = *req.dimensions;
  if (!req.user.empty()) o["user"] = req.user;
  return o;
}

Result<EmbeddingsResponse> decode_embeddings_response(const json::object& body) {
  auto* data = body.if_contains("data");
  if (!data || !data->is_array())
    return fail(ErrorCode::upstream_error, "embeddings reply without a data array");
  EmbeddingsResponse resp;
  resp.model = json_util::string_field(body, "model");
  resp.vectors.resize(data->get_array().size());
  std::size_t next = 0;
  for (const auto& item : data->get_array()) {
    if (!item.is_object()) return fail(ErrorCode::upstream_error, "embeddings reply item is not an object");
    const auto& o = item.get_object();
    // Items carry their index; without one they are in order.
    std::size_t index =
        o.contains("index") ? static_cast<std::size_t>(json_util::int_field(o, "index")) : next;
    ++next;
    if (index >= resp.vectors.size())
      return fail(ErrorCode::upstream_error, "embeddings reply item index out of range");
    auto* e = o.if_contains("embedding");
    if (!e) return fail(ErrorCode::upstream_error, "embeddings reply item without an embedding");
    auto values = floats_of(*e);
    if (!values) return std::unexpected(values.error());
    resp.vectors[index] = std::move(*values);
  }
  if (auto* u = body.if_contains("usage"); u && u->is_object())
    resp.input_tokens = json_util::int_field(u->get_object(), "prompt_tokens");
  return resp;
}

std::string encode_embeddings_response(const EmbeddingsResponse& resp, EmbeddingEncoding encoding) {
  std::string out = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < resp.vectors.size(); ++i) {
    if (i) out.push_back(',');
    out += fmt::format(R"({{"object":"embedding","index":{},"embedding":)", i);
    const auto& v = resp.vectors[i];
    if (encoding == EmbeddingEncoding::base64) {
      out.push_back('"');
      out += floats_to_base64(v);
      out.push_back('"');
    } else {
      out.push_back('[');
      for (std::size_t j = 0; j < v.size(); ++j) {
        if (j) out.push_back(',');
        append_float(out, v[j]);
      }
      out.push_back(']');
    }
    out.push_back('}');
  }
  out += R"(],"model":)";
  out += json::serialize(json::value(resp.model));
  out += fmt::format(R"(,"usage":{{"prompt_tokens":{0},"total_tokens":{0}}}}})", resp.input_tokens);
  return out;
}

bool has_float_vectors(std::string_view body) {
  // The first `"embedding"` followed by a colon is the first vector's key ("object":"embedding" is not).
  for (auto at = body.find("\"embedding\""); at != std::string_view::npos;
       at = body.find("\"embedding\"", at + 1)) {
    auto next = body.find_first_not_of(" \t\r\n", at + 11);
    if (next == std::string_view::npos || body[next] != ':') continue;
    next = body.find_first_not_of(" \t\r\n", next + 1);
    return next != std::string_view::npos && body[next] == '[';
  }
  return false;
}

std::string floats_to_base64(std::span<const float> values) {
  std::string bytes(values.size() * 4, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto bits = std::bit_cast<std::uint32_t>(values[i]);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<std::vector<float>> floats_from_base64(std::string_view text) {
  if (text.size() % 4 != 0)
    return fail(ErrorCode::upstream_error, "base64 embedding of a length that is not a multiple of 4");
  std::string bytes(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return fail(ErrorCode::upstream_error, "malformed base64 embedding");
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t size = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --size;
  if (size % 4 != 0)
    return fail(ErrorCode::upstream_error, "base64 embedding is not a whole number of float32 values");
  std::vector<float> out(size / 4);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint32_t bits = 0;
    for (int b = 0; b < 4; ++b)
      bits |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i * 4 + b])) << (8 * b);
    out[i] = std::bit_cast<float>(bits);
  }
  return out;
}

}  // namespace modelmux::openai
