// The in-memory response store: scoped reads, item lookups, deletion, and its bounds.
#include "store/responses.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using namespace modelmux::store;
namespace json = boost::json;

namespace {

std::shared_ptr<StoredResponse> response(std::string id, std::string scope, std::string text = "hi") {
  auto r = std::make_shared<StoredResponse>();
  r->id = id;
  r->scope = std::move(scope);
  r->response = json::object{{"id", id},
                             {"output", json::array{json::object{{"id", "msg_out_" + id}, {"text", text}}}}};
  r->input_items = json::array{json::object{{"id", "msg_in_" + id}}};
  return r;
}

TEST(MemoryResponseStore, ReadsOnlyInTheScopeThatStoredIt) {
  MemoryResponseStore s;
  s.put(response("resp_1", "key:a"));
  ASSERT_TRUE(s.get("resp_1", "key:a"));
  EXPECT_FALSE(s.get("resp_1", "key:b"));
  EXPECT_FALSE(s.get("resp_1", ""));
  EXPECT_TRUE(s.item("msg_out_resp_1", "key:a"));
  EXPECT_TRUE(s.item("msg_in_resp_1", "key:a"));
  EXPECT_FALSE(s.item("msg_out_resp_1", "key:b"));
  EXPECT_FALSE(s.erase("resp_1", "key:b"));
  EXPECT_TRUE(s.erase("resp_1", "key:a"));
  EXPECT_FALSE(s.get("resp_1", "key:a"));
  EXPECT_FALSE(s.item("msg_out_resp_1", "key:a"));
}

TEST(MemoryResponseStore, DropsTheOldestPastItsCountBound) {
  MemoryResponseStore s(3);
  for (int i = 0; i < 5; ++i) s.put(response("resp_" + std::to_string(i), ""));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_FALSE(s.get("resp_0", ""));
  EXPECT_FALSE(s.get("resp_1", ""));
  EXPECT_FALSE(s.item("msg_out_resp_1", ""));
  EXPECT_TRUE(s.get("resp_4", ""));
}

TEST(MemoryResponseStore, DropsTheOldestPastItsByteBound) {
  MemoryResponseStore s(1000, 4096);
  std::string big(1500, 'x');
  for (int i = 0; i < 4; ++i) s.put(response("resp_" + std::to_string(i), "", big));
  EXPECT_EQ(s.size(), 2u);
  EXPECT_TRUE(s.get("resp_3", ""));
  EXPECT_TRUE(s.get("resp_2", ""));
  EXPECT_FALSE(s.get("resp_1", ""));
}

TEST(MemoryResponseStore, ARewrittenIdReplacesItsRecord) {
  MemoryResponseStore s(2);
  s.put(response("resp_1", "", "first"));
  s.put(response("resp_1", "", "second"));
  s.put(response("resp_2", ""));
  EXPECT_EQ(s.size(), 2u);
  auto r = s.get("resp_1", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->response.at("output").at(0).at("text"), "second");
}

}  // namespace
