#include "core/json_scan.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace modelmux::json_scan;

TEST(JsonScan, FindsOnlyTopLevelKeys) {
  std::string t = R"({"messages":[{"model":"inner","x":"\"model\":"}],"model" : "gpt","n":{"model":1}})";
  auto spans = find_top_level(t, "model");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(t.substr(spans[0].begin, spans[0].end - spans[0].begin), "\"gpt\"");
  EXPECT_EQ(replace(t, spans, "\"up\""),
            R"({"messages":[{"model":"inner","x":"\"model\":"}],"model" : "up","n":{"model":1}})");
}

TEST(JsonScan, SpansOfEveryValueKind) {
  std::string t = R"( { "a" : 12.5e3 , "b":true,"c":null,"d":{"e":[1,{"f":"}"}]},"usage":{"p":1}} )";
  auto d = find_top_level(t, "d");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(t.substr(d[0].begin, d[0].end - d[0].begin), R"({"e":[1,{"f":"}"}]})");
  auto a = find_top_level(t, "a");
  EXPECT_EQ(t.substr(a[0].begin, a[0].end - a[0].begin), "12.5e3");
  auto u = find_top_level(t, "usage");
  EXPECT_EQ(t.substr(u[0].begin, u[0].end - u[0].begin), R"({"p":1})");
  EXPECT_TRUE(find_top_level(t, "missing").empty());
}

TEST(JsonScan, DuplicateKeysAreAllFound) {
  std::string t = R"({"model":"a","model":"b"})";
  auto spans = find_top_level(t, "model");
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(replace(t, spans, "\"z\""), R"({"model":"z","model":"z"})");
}

TEST(JsonScan, NotAnObject) {
  EXPECT_TRUE(find_top_level("[1,2]", "model").empty());
}

TEST(JsonScan, FindLastKeyFromTheEnd) {
  std::string t =
      R"({"choices":[{"message":{"content":"the \"usage\": {} is not a key"}}],"usage" : {"prompt_tokens":3},"x":1})";
  auto s = find_last_key(t, "usage");
  ASSERT_TRUE(s);
  EXPECT_EQ(t.substr(s->begin, s->end - s->begin), R"({"prompt_tokens":3})");
  EXPECT_FALSE(find_last_key(R"({"a":"usage"})", "usage"));
  EXPECT_FALSE(find_last_key("", "usage"));
}

// The last `"key"` followed by a colon, found the slow way: every quote from the end, checked as a key's
// closing quote. The value's start is where find_last_key's span begins.
namespace {
std::optional<std::size_t> last_key_slowly(std::string_view t, std::string_view key) {
  for (std::size_t close = t.size(); close-- > 0;) {
    if (t[close] != '"' || close < key.size() + 1) continue;
    std::size_t open = close - key.size() - 1;
    if (t[open] != '"' || t.substr(open + 1, key.size()) != key) continue;
    if (open > 0 && t[open - 1] == '\\') continue;
    std::size_t i = close + 1;
    while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t' || t[i] == '\r')) ++i;
    if (i >= t.size() || t[i] != ':') continue;
    for (++i; i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t' || t[i] == '\r');) ++i;
    return i;
  }
  return std::nullopt;
}
}  // namespace

TEST(JsonScan, FindLastKeyAgreesWithAQuoteByQuoteSearchOnRandomText) {
  // Pieces that make keys, near-keys, escaped quotes and values, in random order and lengths that cross
  // the 16-byte blocks the search reads at once in every way.
  const std::vector<std::string> pieces{"\"usage\"", "\"usage\":",  ":", " ",          "{",        "}",
                                        "\"x\"",     "\\\"usage\"", "1", "\"usages\"", "\"sage\"", ",",
                                        "\"\"",      "[",           "]", "\"u\""};
  std::minstd_rand rng(7);
  for (int round = 0; round < 20000; ++round) {
    std::string t;
    for (int n = static_cast<int>(rng() % 24); n > 0; --n) t += pieces[rng() % pieces.size()];
    auto fast = find_last_key(t, "usage");
    auto slow = last_key_slowly(t, "usage");
    ASSERT_EQ(fast.has_value(), slow.has_value()) << t;
    if (fast) {
      ASSERT_EQ(fast->begin, *slow) << t;
    }
  }
}
