// Stored Responses-API responses: what `previous_response_id`, `item_reference`, GET/DELETE
// /v1/responses/{id} and its input_items read. Each is scoped to the key that made it (the empty scope on a
// gateway without keys), so one key never reads or continues another's conversation.
//
// The interface is the seam for shared stores: one instance keeps them in memory, bounded; instances that
// scale out put the same records in Redis or Postgres (a hash per response, the item index beside it).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace modelmux::store {

struct StoredResponse {
  std::string id;
  std::string scope;               // the key id that made it ("" without keys)
  boost::json::object response;    // the response object as the client got it (GET /v1/responses/{id})
  boost::json::array input_items;  // the request's own input, as items with ids (input_items)
  std::string previous_id;         // the response it continued, whose conversation comes before it
  // The target that keeps this response's conversation itself (an OpenAI upstream that was given the
  // request as it is), or empty: a continuation on it may name the response instead of resending it.
  std::string upstream;
};

class ResponseStore {
 public:
  virtual ~ResponseStore() = default;
  virtual void put(std::shared_ptr<const StoredResponse> r) = 0;
  // Null when there is none with this id in this scope (never another scope's).
  virtual std::shared_ptr<const StoredResponse> get(std::string_view id, std::string_view scope) const = 0;
  virtual bool erase(std::string_view id, std::string_view scope) = 0;
  // An input or output item of a stored response of this scope, by its id (item_reference).
  virtual std::optional<boost::json::value> item(std::string_view item_id, std::string_view scope) const = 0;
};

// In memory, the oldest dropped first once either bound is passed.
class MemoryResponseStore final : public ResponseStore {
 public:
  explicit MemoryResponseStore(std::size_t max_responses = 10'000, std::size_t max_bytes = 256u << 20)
      : max_responses_(max_responses), max_bytes_(max_bytes) {}
  void put(std::shared_ptr<const StoredResponse> r) override;
  std::shared_ptr<const StoredResponse> get(std::string_view id, std::string_view scope) const override;
  bool erase(std::string_view id, std::string_view scope) override;
  std::optional<boost::json::value> item(std::string_view item_id, std::string_view scope) const override;

  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const StoredResponse> r;
    std::size_t bytes = 0;
  };
  void drop(const std::string& id);  // (mu_ held)

  const std::size_t max_responses_, max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> by_id_;
  std::unordered_map<std::string, std::string> item_owner_;  // item id -> response id
  std::deque<std::string> order_;                            // oldest first (may hold erased ids)
  std::size_t bytes_ = 0;
};

}  // namespace modelmux::store
