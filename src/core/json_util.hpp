// JSON helpers for the hot path.
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "modelmux/error.hpp"

namespace modelmux::json_util {

// How deeply arrays and objects may nest in what parse() takes. Boost's default of 32 refuses real requests
// (a tool's JSON schema nests two levels per object); the limit keeps the recursive parts of the gateway
// (serializing, copying, destroying a tree) to a bounded stack.
inline constexpr std::size_t kMaxDepth = 128;

// Parses with a parser kept per thread: building a boost::json::parser costs more than parsing a small body.
// Nesting deeper than kMaxDepth fails with boost::json::error::too_deep.
boost::json::value parse(std::string_view text, boost::system::error_code& ec,
                         boost::json::storage_ptr storage = {});

// Memory for a tree that lives only as long as one call (an upstream's reply or stream event, parsed and
// turned into plain types): its nodes come from this buffer (declared on the stack) and a heap block past
// it, freed all at once, and destroying the tree walks nothing. Nothing parsed into it may be kept: a copy
// of a node would share this memory.
struct Scratch {
  unsigned char buffer[4096];
  boost::json::monotonic_resource resource{buffer, sizeof buffer};
  boost::json::storage_ptr storage() { return boost::json::storage_ptr(&resource); }
};

// Whether `text` begins and ends like one JSON object or array (whitespace aside): a cheap check that a
// body was not cut or replaced by something else, not a syntax check.
bool looks_whole(std::string_view text);

// `s` as a JSON string (quotes and escapes) appended to `out`, byte for byte as boost::json::serialize writes
// it: `"` and `\` escaped, control bytes as \b \f \n \r \t or \u00XX, everything else as it is. For replies
// written straight into text, with no tree between.
void append_quoted(std::string& out, std::string_view s);
// `n` in decimal appended to `out`, as boost::json::serialize writes an integer.
void append_int(std::string& out, std::int64_t n);

// A member's string value, or empty when it is absent or not a string.
std::string_view string_field(const boost::json::object& o, std::string_view key);
// A member's integer value, or 0 when it is absent or not an integer.
std::int64_t int_field(const boost::json::object& o, std::string_view key);

// A tool call's arguments (JSON text, as OpenAI carries them) as the object the other wires carry: empty
// text is {}, anything but an object is nullopt.
std::optional<boost::json::object> arguments_object(std::string_view arguments);

// A JSON number as a double; nullopt for anything else.
std::optional<double> as_number(const boost::json::value& v);
// A JSON number that holds an integer (1, 1.0) as int64; nullopt for anything else, or out of range.
std::optional<std::int64_t> as_integer(const boost::json::value& v);

// The 400 a codec gives for a client's field: invalid_request naming `param`.
inline std::unexpected<Error> invalid_field(std::string param, std::string message) {
  return fail(ErrorCode::invalid_request, std::move(message), std::move(param));
}

}  // namespace modelmux::json_util
