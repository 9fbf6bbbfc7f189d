// The in-memory response store: a map by id, an index of item ids, and insertion order for eviction.
#include "store/responses.hpp"

#include <boost/json/serialize.hpp>

namespace modelmux::store {
namespace {

// The item ids a response holds: its input items and its output items.
template <class F>
void each_item_id(const StoredResponse& r, F&& f) {
  auto visit = [&](const boost::json::array& items) {
    for (const auto& it : items)
      if (const auto* o = it.if_object())
        if (const auto* id = o->if_contains("id"); id && id->is_string()) f(std::string(id->get_string()));
  };
  visit(r.input_items);
  if (const auto* out = r.response.if_contains("output"); out && out->is_array()) visit(out->get_array());
}

}  // namespace

void MemoryResponseStore::put(std::shared_ptr<const StoredResponse> r) {
  // (sized outside the lock: serializing a long conversation is the costly part)
  std::size_t bytes =
      boost::json::serialize(r->response).size() + boost::json::serialize(r->input_items).size();
  std::lock_guard lock(mu_);
  if (by_id_.contains(r->id)) drop(r->id);
  each_item_id(*r, [&](std::string id) { item_owner_[std::move(id)] = r->id; });
  order_.push_back(r->id);
  bytes_ += bytes;
  std::string id = r->id;  // (the assignment's right side, which moves r, is evaluated first)
  by_id_[id] = Entry{std::move(r), bytes};
  while (!order_.empty() && (by_id_.size() > max_responses_ || bytes_ > max_bytes_)) {
    std::string oldest = std::move(order_.front());
    order_.pop_front();
    if (by_id_.contains(oldest)) drop(oldest);
  }
  // Erased ids linger in order_ until they reach its front; compact when they are most of it.
  if (order_.size() > 2 * by_id_.size() + 64) {
    std::deque<std::string> live;
    for (auto& id : order_)
      if (by_id_.contains(id)) live.push_back(std::move(id));
    order_ = std::move(live);
  }
}

void MemoryResponseStore::drop(const std::string& id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  each_item_id(*it->second.r, [&](const std::string& item) {
    if (auto o = item_owner_.find(item); o != item_owner_.end() && o->second == id) item_owner_.erase(o);
  });
  bytes_ -= it->second.bytes;
  by_id_.erase(it);
}

std::shared_ptr<const StoredResponse> MemoryResponseStore::get(std::string_view id,
                                                               std::string_view scope) const {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end() || it->second.r->scope != scope) return nullptr;
  return it->second.r;
}

bool MemoryResponseStore::erase(std::string_view id, std::string_view scope) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end() || it->second.r->scope != scope) return false;
  drop(std::string(id));
  return true;
}

std::optional<boost::json::value> MemoryResponseStore::item(std::string_view item_id,
                                                            std::string_view scope) const {
  std::lock_guard lock(mu_);
  auto owner = item_owner_.find(std::string(item_id));
  if (owner == item_owner_.end()) return std::nullopt;
  auto it = by_id_.find(owner->second);
  if (it == by_id_.end() || it->second.r->scope != scope) return std::nullopt;
  const auto& r = *it->second.r;
  auto match = [&](const boost::json::array& items) -> const boost::json::value* {
    for (const auto& v : items)
      if (const auto* o = v.if_object())
        if (const auto* id = o->if_contains("id"); id && id->is_string() && id->get_string() == item_id)
          return &v;
    return nullptr;
  };
  if (const auto* v = match(r.input_items)) return *v;
  if (const auto* out = r.response.if_contains("output"); out && out->is_array())
    if (const auto* v = match(out->get_array())) return *v;
  return std::nullopt;
}

std::size_t MemoryResponseStore::size() const {
  std::lock_guard lock(mu_);
  return by_id_.size();
}

}  // namespace modelmux::store
