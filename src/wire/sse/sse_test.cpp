#include "wire/sse/sse.hpp"

#include <gtest/gtest.h>

#include <vector>

using modelmux::wire::SseEvent;
using modelmux::wire::SseParser;

namespace {

std::vector<SseEvent> parse_in_pieces(std::string_view input, std::size_t piece) {
  SseParser p;
  std::vector<SseEvent> out;
  for (std::size_t i = 0; i < input.size(); i += piece)
    EXPECT_TRUE(p.feed(input.substr(i, piece), [&](const SseEvent& e) { out.push_back(e); }));
  p.finish([&](const SseEvent& e) { out.push_back(e); });
  return out;
}

}  // namespace

TEST(SseParser, SplitsEventsOnBlankLines) {
  auto ev = parse_in_pieces("data: a\n\ndata: b\n\n", 1000);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].data, "a");
  EXPECT_EQ(ev[1].data, "b");
}

TEST(SseParser, SameEventsWhateverTheReadBoundaries) {
  const std::string input =
      ": ping\r\nevent: message_start\r\ndata: {\"x\":1}\r\n\r\ndata: line1\ndata: line2\n\nid: 7\rdata: "
      "cr\r\r"
      "data: [DONE]\n\n";
  auto whole = parse_in_pieces(input, input.size());
  ASSERT_EQ(whole.size(), 4u);
  EXPECT_EQ(whole[0].event, "message_start");
  EXPECT_EQ(whole[0].data, "{\"x\":1}");
  EXPECT_EQ(whole[1].data, "line1\nline2");
  EXPECT_EQ(whole[2].id, "7");
  EXPECT_EQ(whole[2].data, "cr");
  EXPECT_EQ(whole[3].data, "[DONE]");
  for (std::size_t piece = 1; piece < 9; ++piece) {
    auto split = parse_in_pieces(input, piece);
    ASSERT_EQ(split.size(), whole.size()) << "piece size " << piece;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(split[i].data, whole[i].data);
      EXPECT_EQ(split[i].event, whole[i].event);
    }
  }
}

TEST(SseParser, CrLfSplitAcrossReadsIsOneLineEnd) {
  SseParser p;
  std::vector<SseEvent> out;
  auto on = [&](const SseEvent& e) { out.push_back(e); };
  p.feed("data: a\r", on);
  p.feed("\n\r", on);
  p.feed("\n", on);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "a");
}

TEST(SseParser, MissingFinalNewlineStillDeliversTheLastEvent) {
  auto ev = parse_in_pieces("data: a\n\ndata: last", 3);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].data, "last");
}

TEST(SseParser, CommentsAndUnknownFieldsAreIgnored) {
  auto ev = parse_in_pieces(": keep-alive\n\nretry: 100\nfoo: bar\ndata:nospace\n\n", 5);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "nospace");
}

TEST(SseParser, RefusesAnOversizedEvent) {
  SseParser p(16);
  bool ok = p.feed("data: 0123456789012345678901234567890\n", [](const SseEvent&) {});
  EXPECT_FALSE(ok);
}
