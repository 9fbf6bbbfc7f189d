#include "app/local_defaults.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <cstdlib>

#include "core/json_util.hpp"
#include "http/client.hpp"

namespace modelmux::app {

config::Config discover_defaults() {
  config::Config cfg = config::builtin_defaults();
  // An Ollama answering on its default port (or at OLLAMA_HOST, Ollama's own variable) gives its local
  // models; a short timeout keeps start-up quick on machines without one.
  std::string ollama = "http://127.0.0.1:11434";
  if (const char* h = std::getenv("OLLAMA_HOST"); h && *h)
    ollama = std::string_view(h).starts_with("http") ? h : std::string("http://") + h;
  auto url = http::parse_url(ollama);
  if (!url) return cfg;
  boost::asio::io_context ioc;
  auto probe = [&]() -> boost::asio::awaitable<Result<std::string>> {
    http::ClientRequest r;
    r.method = "GET";
    r.target = "/api/tags";
    auto reply = co_await http::send(
        *url, std::move(r),
        {std::chrono::milliseconds(300), std::chrono::milliseconds(1000), std::chrono::milliseconds(1000)});
    if (!reply) co_return std::unexpected(reply.error());
    if ((*reply)->status() != 200) co_return fail(ErrorCode::upstream_error, "ollama answered with an error");
    co_return co_await (*reply)->read_all(4u << 20);
  };
  auto fut = boost::asio::co_spawn(ioc, probe(), boost::asio::use_future);
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    if (ioc.run_one() == 0) ioc.restart();
  }
  auto body = fut.get();
  if (!body) return cfg;
  boost::system::error_code ec;
  auto v = json_util::parse(*body, ec);
  if (ec || !v.is_object()) return cfg;
  auto* models = v.get_object().if_contains("models");
  if (!models || !models->is_array()) return cfg;
  for (const auto& m : models->get_array()) {
    if (!m.is_object()) continue;
    auto* name = m.get_object().if_contains("name");
    if (!name || !name->is_string()) continue;
    config::ModelConfig mc;
    mc.origin = {"<ollama at " + url->origin() + ">", 0, "models"};
    mc.name = name->get_string();
    config::TargetConfig t;
    t.origin = mc.origin;
    t.provider = "openai_compatible";
    t.model = mc.name;
    t.api_base = url->origin() + "/v1";
    mc.targets.push_back(std::move(t));
    bool taken = false;
    for (const auto& existing : cfg.models) taken = taken || existing.name == mc.name;
    if (!taken) cfg.models.push_back(std::move(mc));
  }
  return cfg;
}

}  // namespace modelmux::app
