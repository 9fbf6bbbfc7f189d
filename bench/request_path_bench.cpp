// The pass-through request path's own pieces, one benchmark each, so that a regression shows up without a
// load test (issue 11): decode (the byte scan the decode stage uses, beside the JSON tree it replaced),
// route (Router::plan and its first pick), build the upstream request (the client's body with the target's
// model, and its head), the relay check of a whole reply (its ends, and its usage read for the ledger), and
// the two HTTP heads (the client's request, the upstream's reply) read directly and, beside them, through
// Beast's parser as every head was before. The body and reply are bench/instructions.sh's.
// Run: build/bench/request_path_bench
#include <benchmark/benchmark.h>

#include "config/config.hpp"
#include "core/json_util.hpp"
#include "http/message.hpp"
#include "pipeline/runtime.hpp"
#include "wire/openai/chat_json.hpp"
#include "wire/openai/chat_request_scan.hpp"

using namespace modelmux;

namespace {

constexpr std::string_view kBody = R"({"model":"bench","messages":[{"role":"user","content":"hello"}]})";
constexpr std::string_view kReply =
    R"({"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},)"
    R"("logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":9,)"
    R"("total_tokens":18},"system_fingerprint":"fp_bench"})";

pipeline::Runtime& runtime() {
  static pipeline::Runtime rt(config::load_string(R"(models:
  - name: bench
    targets:
      - provider: openai
        model: gpt-4o-mini
        api_base: http://127.0.0.1:9/v1
        api_key: sk-bench
)",
                                                  "bench"));
  return rt;
}

ChatRequest decoded() {
  ChatRequest req;
  openai::scan_chat_request(kBody, req);
  return req;
}

void decode_scan(benchmark::State& state) {
  for (auto _ : state) {
    ChatRequest req;
    bool ok = openai::scan_chat_request(kBody, req);
    benchmark::DoNotOptimize(ok);
  }
}

// What the decode stage did before the scan, and still does for bodies the scan leaves to it.
void decode_tree(benchmark::State& state) {
  for (auto _ : state) {
    boost::system::error_code ec;
    auto tree = json_util::parse(kBody, ec);
    ChatRequest req;
    auto ok = openai::decode_chat_request(tree.as_object(), req);
    benchmark::DoNotOptimize(ok);
  }
}

void route(benchmark::State& state) {
  auto& rt = runtime();
  const auto& group = *rt.catalog.find("bench");
  auto req = decoded();
  for (auto _ : state) {
    auto plan = rt.router.plan(group, req, {});
    benchmark::DoNotOptimize(plan->next());
  }
}

void build_upstream_request(benchmark::State& state) {
  auto& rt = runtime();
  auto plan = rt.router.plan(*rt.catalog.find("bench"), decoded(), {});
  const auto& target = plan->next()->target();
  boost::json::object fields;  // (what the decode stage leaves when it scanned the body)
  for (auto _ : state) {
    auto request = target.provider->build_passthrough({kBody, fields, false, false, nullptr}, target);
    benchmark::DoNotOptimize(request);
  }
}

void relay_check(benchmark::State& state) {
  auto& rt = runtime();
  auto plan = rt.router.plan(*rt.catalog.find("bench"), decoded(), {});
  const auto& provider = *plan->next()->target().provider;
  for (auto _ : state) {
    bool whole = json_util::looks_whole(kReply);
    auto observer = provider.reply_observer(false, false);
    observer->feed(kReply, nullptr);
    observer->finish(nullptr);
    benchmark::DoNotOptimize(whole);
    benchmark::DoNotOptimize(observer->usage());
  }
}

// The heads wrk sends in bench/instructions.sh and the static nginx upstream answers with.
constexpr std::string_view kRequestHead =
    "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:4000\r\nContent-Type: application/json\r\n"
    "Content-Length: 64\r\n\r\n";
constexpr std::string_view kReplyHead =
    "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Tue, 01 Dec 2026 10:50:00 GMT\r\n"
    "Content-Type: application/json\r\nContent-Length: 330\r\nConnection: keep-alive\r\n\r\n";

void request_head(benchmark::State& state) {
  http::Request req;  // reused, as a connection reuses it
  for (auto _ : state) {
    http::RequestParser parser(req, 1 << 20, /*simple_heads=*/state.range(0) != 0);
    boost::system::error_code ec;
    benchmark::DoNotOptimize(parser.feed(kRequestHead, /*head_only=*/true, ec));
  }
}

void reply_head(benchmark::State& state) {
  http::HeaderList headers;
  std::string body;
  for (auto _ : state) {
    http::ResponseParser parser(headers, body, /*simple_heads=*/state.range(0) != 0);
    boost::system::error_code ec;
    benchmark::DoNotOptimize(parser.feed(kReplyHead, /*head_only=*/true, ec));
  }
}

}  // namespace

BENCHMARK(decode_scan);
BENCHMARK(decode_tree);
BENCHMARK(route);
BENCHMARK(build_upstream_request);
BENCHMARK(relay_check);
BENCHMARK(request_head)->ArgName("direct")->Arg(1)->Arg(0);
BENCHMARK(reply_head)->ArgName("direct")->Arg(1)->Arg(0);

BENCHMARK_MAIN();
