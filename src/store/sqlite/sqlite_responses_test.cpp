// The SQLite response store: what it keeps survives a reopen, scoped to its key, items included; a
// deletion is kept too.
#include "store/sqlite/sqlite_responses.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "store/sqlite/stmt.hpp"

using namespace modelmux::store;
namespace json = boost::json;

namespace {

std::shared_ptr<StoredResponse> response(std::string id, std::string scope) {
  auto r = std::make_shared<StoredResponse>();
  r->id = id;
  r->scope = std::move(scope);
  r->response = json::object{{"id", id}, {"output", json::array{json::object{{"id", "msg_out_" + id}}}}};
  r->input_items = json::array{json::object{{"id", "msg_in_" + id}, {"type", "message"}}};
  r->previous_id = "resp_before";
  r->upstream = "openai/gpt-4o";
  return r;
}

class SqliteResponseStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // mkdtemp: a directory no other test process can share (ctest runs tests side by side, and under ASan
    // two of them started in the same millisecond had the same seed and the same `this`).
    std::string pattern = (std::filesystem::temp_directory_path() / "modelmux-responses-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    path_ = (dir_ / "store.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteResponseStoreTest, KeepsResponsesAcrossAReopen) {
  {
    SqliteResponseStore s(path_);
    s.put(response("resp_1", "key:a"));
    s.put(response("resp_2", "key:b"));
  }  // (closing writes what is queued)
  SqliteResponseStore s(path_);
  auto r = s.get("resp_1", "key:a");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->previous_id, "resp_before");
  EXPECT_EQ(r->upstream, "openai/gpt-4o");
  EXPECT_EQ(r->input_items.size(), 1u);
  EXPECT_EQ(r->response.at("output").at(0).at("id"), "msg_out_resp_1");
  EXPECT_FALSE(s.get("resp_1", "key:b"));
  EXPECT_TRUE(s.item("msg_out_resp_1", "key:a"));
  EXPECT_TRUE(s.item("msg_in_resp_1", "key:a"));
  EXPECT_FALSE(s.item("msg_in_resp_1", "key:b"));
  EXPECT_FALSE(s.erase("resp_1", "key:b"));
  EXPECT_TRUE(s.erase("resp_1", "key:a"));
  EXPECT_FALSE(s.get("resp_1", "key:a"));
  SqliteResponseStore again(path_);
  EXPECT_FALSE(again.get("resp_1", "key:a"));
  EXPECT_FALSE(again.item("msg_out_resp_1", "key:a"));
  EXPECT_TRUE(again.get("resp_2", "key:b"));
}

TEST_F(SqliteResponseStoreTest, RetentionDropsOlderResponsesWhenOpened) {
  {
    SqliteResponseStore s(path_);
    s.put(response("resp_old", ""));
  }
  SqliteResponseStore s(path_, now_ms() + 1000);  // (everything made so far is older)
  EXPECT_FALSE(s.get("resp_old", ""));
  EXPECT_FALSE(s.item("msg_out_resp_old", ""));
}

TEST_F(SqliteResponseStoreTest, AResponseIsReadableBeforeItsRowIsCommitted) {
  SqliteResponseStore s(path_);
  s.put(response("resp_now", ""));
  EXPECT_TRUE(s.get("resp_now", ""));  // (from memory, whatever the writer has done)
  s.flush();
  SqliteResponseStore other(path_);
  EXPECT_TRUE(other.get("resp_now", ""));
}

}  // namespace
