#include "pipeline/pipeline.hpp"

#include "pipeline/stages/stages.hpp"
#include "surfaces/surface.hpp"

namespace modelmux::pipeline {
namespace {

struct Stage {
  std::string_view name;
  void (*now)(Context&) = nullptr;                            // a stage that never waits
  boost::asio::awaitable<void> (*later)(Context&) = nullptr;  // one that waits on an upstream or the client
  // Tried before `later`: true when the stage is done without waiting, as it usually is (a whole reply that
  // came with its head; an answer the socket takes at once). A plain call: the coroutine `later` would be is
  // a frame allocated, pushed and resumed.
  bool (*at_once)(Context&) = nullptr;
  bool always = false;    // runs after a failure too
  bool governed = false;  // runs only when governance is on (Runtime::governor)
};

// The request path, in order. A new stage is a file in stages/ and a line here.
constexpr Stage kStages[] = {
    // The client's key: who is asking (401 invalid_api_key).
    {.name = "auth", .now = stages::auth, .governed = true},
    // The client's format into the canonical request (the surface's codec); routing preferences.
    {.name = "decode", .now = stages::decode},
    // The plan: the model's group, its targets ordered by strategy, breakers, capabilities and prices.
    {.name = "route", .now = stages::route},
    // Model allow-lists, the request's cost ceiling, rate limits of its key, user, team, end user and group.
    {.name = "admit", .now = stages::admit, .governed = true},
    // Upstream calls until one answers: retries with backoff, fallback, hedging; streams held until their
    // first content.
    {.name = "attempts", .later = stages::attempts},
    // Whole replies read and decoded (usage read from pass-through bodies); streams relayed as they come.
    {.name = "receive", .later = stages::receive, .at_once = stages::receive_at_once},
    // Usage times the price table: the request's cost in USD.
    {.name = "cost", .now = stages::cost, .always = true},
    // Reservations settled to the cost; the ledger row, committed before the answer's last byte.
    {.name = "settle", .later = stages::settle, .always = true, .governed = true},
    // The reply or the error in the client's format, or a stream's last bytes.
    {.name = "respond", .later = stages::respond, .at_once = stages::respond_at_once, .always = true},
    // The access record.
    {.name = "log", .now = stages::log, .always = true},
};

}  // namespace

boost::asio::awaitable<void> run(Context& ctx) {
  // A coroutine destroyed under way (the server stopping) runs no further stage; its record is still written.
  struct Backstop {
    Context& ctx;
    ~Backstop() {
      if (!ctx.logged) stages::log(ctx);
    }
  } backstop{ctx};
  const bool governed = ctx.rt.governor != nullptr;
  for (const Stage& stage : kStages) {
    if ((ctx.failed() && !stage.always) || (stage.governed && !governed)) continue;
    if (stage.now)
      stage.now(ctx);
    else if (!stage.at_once || !stage.at_once(ctx))
      co_await stage.later(ctx);
  }
}

bool passes_through(const Context& ctx, const providers::Target& target) {
  return target.provider->speaks(ctx.surface.wire(), target);
}

std::string_view to_string(Operation op) {
  switch (op) {
    case Operation::chat:
      return "chat";
    case Operation::embeddings:
      return "embeddings";
    case Operation::images:
      return "images";
  }
  return "unknown";
}

std::vector<std::string> secrets_of(const routing::Catalog& catalog) {
  std::vector<std::string> out;
  for (const auto& g : catalog.groups())
    for (const auto& t : g.targets) {
      out.push_back(t.cfg.api_key);
      for (const auto& [name, value] : t.cfg.headers) out.push_back(value);
      for (const auto& [name, key] : t.cfg.provider_keys.all())
        if (name.find("key") != std::string::npos || name.find("secret") != std::string::npos ||
            name.find("token") != std::string::npos)
          out.push_back(key.value);
      if (t.state) t.state->secrets(out);
    }
  return out;
}

std::vector<std::string_view> stage_names() {
  std::vector<std::string_view> out;
  for (const Stage& s : kStages) out.push_back(s.name);
  return out;
}

}  // namespace modelmux::pipeline
