#include "surfaces/openai/responses.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "core/ids.hpp"
#include "core/json_util.hpp"
#include "http/url.hpp"
#include "pipeline/context.hpp"
#include "pipeline/governed.hpp"
#include "surfaces/openai/responses_relay.hpp"
#include "surfaces/openai/surface.hpp"
#include "wire/openai/responses/reply.hpp"
#include "wire/openai/responses/request.hpp"

namespace json = boost::json;
namespace wire = modelmux::openai::responses;

namespace modelmux::surfaces {
namespace {

// Whose responses a request sees: its key's (the master key's are its own; without keys, everyone's).
std::string scope_of(const governance::Identity& who) {
  if (who.key) return "key:" + who.key->id;
  return who.master ? "master" : "";
}

// What decode learned that encoding the answer needs.
struct State final : pipeline::SurfaceState {
  wire::Request request;
  wire::Head head;
  std::string scope;
  // The conversation previous_response_id continues (its items, oldest first), and the target that keeps
  // it itself (empty: only this gateway does).
  json::array history;
  std::string history_upstream;
  bool has_references = false;  // the input named stored items (item_reference), resolved here
};

const State& state_of(const pipeline::Context& ctx) {
  return static_cast<const State&>(*ctx.surface_state);
}

// The conversation previous_response_id continues: each stored response's input then output, oldest
// first; and who keeps it upstream. An evicted older part ends the walk; a missing first link is the
// client's 400.
Result<void> history(const store::ResponseStore& s, std::string id, State& st) {
  std::string_view scope = st.scope;
  std::vector<std::shared_ptr<const store::StoredResponse>> chain;
  for (std::string next = id; !next.empty() && chain.size() < 10'000;) {
    auto r = s.get(next, scope);
    if (!r) break;
    next = r->previous_id;
    chain.push_back(std::move(r));
  }
  if (chain.empty())
    return fail(ErrorCode::invalid_request, fmt::format("Previous response with id '{}' not found.", id),
                "previous_response_id");
  st.history_upstream = chain.front()->upstream;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    for (const auto& v : (*it)->input_items) st.history.push_back(v);
    if (const auto* out = (*it)->response.if_contains("output"); out && out->is_array())
      for (const auto& v : out->get_array()) st.history.push_back(v);
  }
  return {};
}

// A response kept for what follows it: made here, or passed through from `upstream`, which keeps it too.
void keep(const pipeline::Context& ctx, const State& st, const json::object& response,
          std::string_view upstream = {}) {
  if (!st.request.store) return;
  auto r = std::make_shared<store::StoredResponse>();
  r->id = upstream.empty() ? st.head.id : json_util::string_field(response, "id");
  r->upstream = upstream;
  r->scope = st.scope;
  r->response = response;
  r->input_items = st.request.input_items;
  r->previous_id = st.request.previous_response_id;
  ctx.rt.responses->put(std::move(r));
}

class EventStream final : public StreamEncoder {
 public:
  EventStream(const pipeline::Context& ctx, const State& st)
      : events_(st.head, [&ctx, &st](const json::object& r) { keep(ctx, st, r); }) {}
  void encode(const StreamEvent& ev, std::string& out) override { events_.encode(ev, out); }
  void finish(std::string& out) override { events_.finish(out); }
  bool fail(const Error& err, std::string& out) override {
    events_.fail(err, out);
    return true;
  }

 private:
  wire::EventEncoder events_;
};

}  // namespace

Result<void> ResponsesSurface::decode(pipeline::Context& ctx) const {
  auto st = std::make_unique<State>();
  st->scope = scope_of(ctx.gov.who);
  st->head.id = "resp_" + new_request_id() + new_request_id();
  st->head.created_at = openai::unix_now();
  const auto& body = *ctx.fields;
  auto previous = wire::previous_response_id(body);
  if (!previous) return std::unexpected(previous.error());
  if (!previous->empty())
    if (auto found = history(*ctx.rt.responses, *previous, *st); !found) return found;
  const auto& store = *ctx.rt.responses;
  auto lookup = [&](std::string_view id) {
    st->has_references = true;
    return store.item(id, st->scope);
  };
  auto req = wire::decode_request(body, st->history, lookup, st->head.id, ctx.chat);
  if (!req) return std::unexpected(req.error());
  st->request = std::move(*req);
  ctx.same_wire_only = st->request.openai_only;
  st->head.model = ctx.chat.model;
  st->head.echo = st->request.echo;
  ctx.surface_state = std::move(st);
  return {};
}

std::string ResponsesSurface::encode_chat(const pipeline::Context& ctx) const {
  const State& st = state_of(ctx);
  json::object r = wire::encode_response(st.head, ctx.chat_reply);
  keep(ctx, st, r);
  return json::serialize(r);
}

std::unique_ptr<StreamEncoder> ResponsesSurface::stream_encoder(const pipeline::Context& ctx) const {
  return std::make_unique<EventStream>(ctx, state_of(ctx));
}

// An OpenAI target gets the client's body unless the conversation it continues, or an item it names, is
// one the target does not keep: then the earlier items are sent instead of their ids, without the ids
// (the gateway's own mean nothing to OpenAI) and without reasoning items (OpenAI takes back only its own,
// encrypted).
std::optional<std::string> ResponsesSurface::passthrough_body(const pipeline::Context& ctx,
                                                              const providers::Target& target) const {
  const State& st = state_of(ctx);
  bool held = st.request.previous_response_id.empty() || st.history_upstream == target.label;
  if (held && !st.has_references) return std::nullopt;
  json::object body = *ctx.fields;
  json::array input;
  auto add = [&](const json::value& item) {
    const auto* o = item.if_object();
    if (!o || json_util::string_field(*o, "type") == "reasoning") return;
    json::object copy = *o;
    copy.erase("id");
    input.push_back(std::move(copy));
  };
  if (!held) {
    body.erase("previous_response_id");
    for (const auto& v : st.history) add(v);
  }
  for (const auto& v : st.request.input_items) add(v);
  body["input"] = std::move(input);
  return json::serialize(body);
}

std::unique_ptr<providers::StreamDecoder> ResponsesSurface::passthrough_stream_decoder() const {
  return responses_stream_decoder();
}

std::unique_ptr<providers::ReplyObserver> ResponsesSurface::reply_observer(const pipeline::Context& ctx,
                                                                           bool stream) const {
  const State& st = state_of(ctx);
  std::string_view upstream = ctx.answer->target->label;
  return responses_relay(stream,
                         [&ctx, &st, upstream](const json::object& r) { keep(ctx, st, r, upstream); });
}

ErrorReply ResponsesSurface::encode_error(const Error& err) const {
  return {static_cast<unsigned>(err.http_status), openai::error_body(err)};
}

// An error ending a stream before any event was numbered: OpenAI's error event.
std::string ResponsesSurface::stream_error(const Error& err) const {
  std::string out;
  wire::error_event(err, 0, out);
  return out;
}

const ResponsesSurface& responses_surface() {
  static const ResponsesSurface surface;
  return surface;
}

namespace responses {
namespace {

namespace asio = boost::asio;

asio::awaitable<void> answer_error(http::Exchange& ex, Error e) {
  co_await ex.respond(static_cast<unsigned>(e.http_status), "application/json", openai::error_body(e));
}

// The caller's scope, or the 401 its key earns.
Result<std::string> caller(const http::Exchange& ex, const pipeline::Runtime& rt) {
  if (!rt.governor) return std::string();
  auto who = rt.governor->authenticate(pipeline::presented_key(ex.request().headers), governance::now_ms());
  if (!who) return std::unexpected(who.error());
  return scope_of(*who);
}

std::string_view json_id(const json::value& v) {
  const auto* o = v.if_object();
  return o ? json_util::string_field(*o, "id") : std::string_view();
}

// (built outside the coroutines: GCC 12 cannot keep an initializer list's string literals in a frame)
std::string deleted_body(std::string_view id) {
  return json::serialize(json::object{{"id", id}, {"object", "response"}, {"deleted", true}});
}

Error not_found(std::string_view id) {
  return Error::make(ErrorCode::not_found, fmt::format("Response with id '{}' not found.", id));
}

// The stored response, or the error to answer.
Result<std::shared_ptr<const store::StoredResponse>> stored(const http::Exchange& ex,
                                                            const pipeline::Runtime& rt,
                                                            std::string_view id) {
  auto scope = caller(ex, rt);
  if (!scope) return std::unexpected(scope.error());
  auto r = rt.responses->get(id, *scope);
  if (!r) return std::unexpected(not_found(id));
  return r;
}

// A page of the response's input items: `order` (desc by default, as OpenAI's), `limit` 1-100 (20), `after`
// an item id.
Result<std::string> items_page(const store::StoredResponse& r, std::string_view query) {
  std::string order = http::query_value(query, "order").value_or("desc");
  std::string limit_text = http::query_value(query, "limit").value_or("20");
  std::string after = http::query_value(query, "after").value_or("");
  std::size_t limit = 0;
  auto [end, ec] = std::from_chars(limit_text.data(), limit_text.data() + limit_text.size(), limit);
  if (ec != std::errc() || end != limit_text.data() + limit_text.size() || limit < 1 || limit > 100)
    return fail(ErrorCode::invalid_request, "limit must be an integer from 1 to 100", "limit");
  if (order != "asc" && order != "desc")
    return fail(ErrorCode::invalid_request, "order must be asc or desc", "order");
  std::vector<const json::value*> items;
  for (const auto& v : r.input_items) items.push_back(&v);
  if (order == "desc") std::reverse(items.begin(), items.end());
  std::size_t first = 0;
  if (!after.empty()) {
    while (first < items.size() && json_id(*items[first]) != after) ++first;
    ++first;  // (past the end when `after` names no item: an empty page)
  }
  json::array data;
  for (std::size_t i = first; i < items.size() && data.size() < limit; ++i) data.push_back(*items[i]);
  json::object page{{"object", "list"}, {"has_more", first + data.size() < items.size()}};
  page["first_id"] = data.empty() ? json::value(nullptr) : json::value(json_id(data.front()));
  page["last_id"] = data.empty() ? json::value(nullptr) : json::value(json_id(data.back()));
  page["data"] = std::move(data);
  return json::serialize(page);
}

}  // namespace

asio::awaitable<void> retrieve(http::Exchange& ex, const pipeline::Runtime& rt, std::string id) {
  auto r = stored(ex, rt, id);
  if (!r) co_return co_await answer_error(ex, std::move(r.error()));
  co_await ex.respond(200, "application/json", json::serialize((*r)->response));
}

asio::awaitable<void> remove(http::Exchange& ex, const pipeline::Runtime& rt, std::string id) {
  auto scope = caller(ex, rt);
  if (!scope) co_return co_await answer_error(ex, std::move(scope.error()));
  if (!rt.responses->erase(id, *scope)) co_return co_await answer_error(ex, not_found(id));
  co_await ex.respond(200, "application/json", deleted_body(id));
}

asio::awaitable<void> input_items(http::Exchange& ex, const pipeline::Runtime& rt, std::string id) {
  auto r = stored(ex, rt, id);
  if (!r) co_return co_await answer_error(ex, std::move(r.error()));
  auto page = items_page(**r, ex.request().query());
  if (!page) co_return co_await answer_error(ex, std::move(page.error()));
  co_await ex.respond(200, "application/json", std::move(*page));
}

}  // namespace responses
}  // namespace modelmux::surfaces
