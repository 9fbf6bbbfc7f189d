#include "modelmux/chat.hpp"

#include <gtest/gtest.h>

namespace modelmux {
namespace {

ContentPart image(std::string url, std::string media = {}) {
  return ContentPart{ContentPart::Kind::image, {}, std::move(url), std::move(media), {}};
}

TEST(ContentPart, DataUrlsGiveTheirBytesAndMediaType) {
  auto p = image("data:image/webp;base64,UklGRg==");
  EXPECT_EQ(p.base64_data(), "UklGRg==");
  EXPECT_EQ(p.image_media_type(), "image/webp");
  EXPECT_EQ(image("data:image/png;base64,AA", "image/jpeg").image_media_type(), "image/jpeg");  // set wins
  EXPECT_EQ(image("data:text/plain,hello").base64_data(), "");                                  // not base64
  EXPECT_EQ(image("https://example.com/cat.png").base64_data(), "");
  EXPECT_EQ(image("https://example.com/cat.png").image_media_type(), "");
  EXPECT_EQ(image("data:image/png;base64").base64_data(), "");  // no comma
}

}  // namespace
}  // namespace modelmux
