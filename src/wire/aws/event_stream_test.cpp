// The event-stream decoder against the AWS test vectors (the ones aws-c-event-stream and
// @smithy/eventstream-codec test with), fed whole and split at every byte, and its failures.
#include "wire/aws/event_stream.hpp"

#include <gtest/gtest.h>

namespace modelmux::aws {
namespace {

std::string unhex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

const std::string kEmpty = unhex("000000100000000005c248eb7d98c8ff");
const std::string kOneStringHeader = unhex(
    "0000003d0000002007fd83960c636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e7b27666f6f273a27"
    "626172"
    "277d8d9c08b1");
const std::string kInt32Header =
    unhex("0000002d0000001041c424b80a6576656e742d74797065040000a00c7b27666f6f273a27626172277d36f480a0");
const std::string kAllHeaders = unhex(
    "000000cc000000af0fae64ca0a6576656e742d74797065040000a00c0c636f6e74656e742d747970650700106170706c69636174"
    "696f6e"
    "2f6a736f6e0a626f6f6c2066616c73650109626f6f6c207472756500046279746502cf08627974652062756606001449276d2061"
    "206c6974"
    "746c6520746561706f74210974696d657374616d70080000000000845fed05696e74313603002a05696e74363405000000000287"
    "57b20475"
    "756964090102030405060708090a0b0c0d0e0f107b27666f6f273a27626172277daba5f10c");

Result<std::vector<EventMessage>> decode(std::string_view bytes, std::size_t step) {
  EventStreamDecoder d;
  std::vector<EventMessage> out;
  for (std::size_t i = 0; i < bytes.size(); i += step)
    if (auto r = d.feed(bytes.substr(i, step), out); !r) return std::unexpected(r.error());
  if (d.partial()) return fail(ErrorCode::upstream_error, "partial");
  return out;
}

TEST(EventStream, Crc32IsTheZlibOne) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32("56789", crc32("1234")), 0xCBF43926u);
}

TEST(EventStream, DecodesTheTestVectors) {
  auto empty = decode(kEmpty, kEmpty.size());
  ASSERT_TRUE(empty) << empty.error().message;
  ASSERT_EQ(empty->size(), 1u);
  EXPECT_TRUE((*empty)[0].headers.empty());
  EXPECT_TRUE((*empty)[0].payload.empty());

  auto one = decode(kOneStringHeader, kOneStringHeader.size());
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].header("content-type"), "application/json");
  EXPECT_EQ((*one)[0].payload, "{'foo':'bar'}");

  auto all = decode(kAllHeaders, kAllHeaders.size());
  ASSERT_TRUE(all) << all.error().message;
  const auto& m = (*all)[0];
  EXPECT_EQ(m.header("event-type"), "40972");
  EXPECT_EQ(m.header("content-type"), "application/json");
  EXPECT_EQ(m.header("bool false"), "false");
  EXPECT_EQ(m.header("bool true"), "true");
  EXPECT_EQ(m.header("byte"), "-49");
  EXPECT_EQ(m.header("byte buf"), "I'm a little teapot!");
  EXPECT_EQ(m.header("timestamp"), "8675309");
  EXPECT_EQ(m.header("int16"), "42");
  EXPECT_EQ(m.header("int64"), "42424242");
  EXPECT_EQ(m.header("uuid"), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(m.payload, "{'foo':'bar'}");
}

TEST(EventStream, EveryByteSplitGivesTheSameMessages) {
  std::string stream = kOneStringHeader + kEmpty + kAllHeaders + kInt32Header;
  auto whole = decode(stream, stream.size());
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->size(), 4u);
  for (std::size_t step = 1; step <= 13; ++step) {
    auto split = decode(stream, step);
    ASSERT_TRUE(split) << step;
    ASSERT_EQ(split->size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) {
      EXPECT_EQ((*split)[i].headers, (*whole)[i].headers);
      EXPECT_EQ((*split)[i].payload, (*whole)[i].payload);
    }
  }
  // Any single cut point, too.
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    EventStreamDecoder d;
    std::vector<EventMessage> out;
    ASSERT_TRUE(d.feed(std::string_view(stream).substr(0, cut), out));
    ASSERT_TRUE(d.feed(std::string_view(stream).substr(cut), out));
    EXPECT_EQ(out.size(), 4u);
    EXPECT_FALSE(d.partial());
  }
}

TEST(EventStream, BadPreludeCrcIsAnError) {
  std::string bad_len = kOneStringHeader;
  bad_len[3] = 62;  // the vectors' corrupted_length
  std::string bad_headers_len = kOneStringHeader;
  bad_headers_len[7] = 33;  // corrupted_header_len
  for (const auto& bytes : {bad_len, bad_headers_len}) {
    auto r = decode(bytes, 1);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("prelude CRC"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().code, ErrorCode::upstream_error);
  }
  // Found as soon as the 12 prelude bytes are in, not after waiting for the announced length.
  EventStreamDecoder d;
  std::vector<EventMessage> out;
  EXPECT_FALSE(d.feed(std::string_view(bad_len).substr(0, 12), out));
}

TEST(EventStream, BadMessageCrcIsAnError) {
  std::string bad_payload = kOneStringHeader;
  bad_payload[45] = 'a';  // corrupted_headers: a payload byte changed, the CRCs kept
  auto r = decode(bad_payload, 5);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("message CRC"), std::string::npos) << r.error().message;
  // A good message before the bad one is still delivered.
  EventStreamDecoder d;
  std::vector<EventMessage> out;
  EXPECT_FALSE(d.feed(kEmpty + bad_payload, out));
  EXPECT_EQ(out.size(), 1u);
}

TEST(EventStream, ImpossibleLengthsAndHeaderTypesAreErrors) {
  EventMessage m{{{":event-type", "x"}}, "{}"};
  std::string bytes = encode_event(m);
  bytes[12 + 1 + 11] = 42;  // the header's value type, with the message CRC recomputed
  bytes.resize(bytes.size() - 4);
  std::uint32_t crc = crc32(bytes);
  for (int i = 3; i >= 0; --i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  auto r = decode(bytes, bytes.size());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("header value type 42"), std::string::npos) << r.error().message;
}

TEST(EventStream, EncoderMatchesTheVectorsAndRoundTrips) {
  EXPECT_EQ(encode_event({{{"content-type", "application/json"}}, "{'foo':'bar'}"}), kOneStringHeader);
  EXPECT_EQ(encode_event({}), kEmpty);
  EventMessage ex{{{":message-type", "exception"},
                   {":exception-type", "throttlingException"},
                   {":content-type", "application/json"}},
                  R"({"message":"Too many requests, please wait before trying again."})"};
  auto back = decode(encode_event(ex), 3);
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[0].header(":exception-type"), "throttlingException");
  EXPECT_EQ((*back)[0].payload, ex.payload);
}

}  // namespace
}  // namespace modelmux::aws
