// Reading an AWS JSON protocol error reply (Bedrock, SageMaker): its type and its message.
#pragma once

#include <string>
#include <string_view>

namespace modelmux::aws {

// The "message" (or "Message") of an AWS JSON error body, or the body's start when it is not one.
std::string error_message(std::string_view body);
// "ValidationException:http://internal.amazon.com/coral/..." -> "ValidationException"; also reads the
// body's "__type" ("com.amazon...#ValidationException") when the header is absent.
std::string error_type(std::string_view header, std::string_view body);

}  // namespace modelmux::aws
