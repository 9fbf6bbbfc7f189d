// The governed request's own pieces, one benchmark each (issues 10 and 11), beside request_path_bench's:
// the counters' reservations and settlements as bench/modelmux-governed.yaml.in's pass-through makes them
// (the key's budget, rpm, tpm and parallel and the model group's rpm, tpm and parallel at admission; the
// target's rpm, tpm and daily budget for the attempt), and the ledger row's journal record.
// Run: build/bench/governance_bench
#include <benchmark/benchmark.h>

#include <string>

#include "governance/counters.hpp"
#include "store/sqlite/journal.hpp"

using namespace modelmux;

namespace {

using governance::Claim;
using governance::Meter;

constexpr double kHigh = 1e12;  // limits set high enough never to refuse, as the governed benchmark's

// The names live as long as the counters' calls: in the gateway, in the key's and the configuration's
// records.
const std::string kKey = "key:k_3f9a2c7d1e", kGroup = "group:bench", kTarget = "target:openai/gpt-4o-mini";

governance::Ask admission() {
  governance::Ask ask;
  ask.claims = {{Meter::usd, kKey, 1e9, governance::Period::month},
                {Meter::requests, kKey, kHigh},
                {Meter::tokens, kKey, kHigh},
                {Meter::parallel, kKey, 1e6},
                {Meter::requests, kGroup, kHigh},
                {Meter::tokens, kGroup, kHigh},
                {Meter::parallel, kGroup, 1e6}};
  ask.usd_min = ask.usd_max = 0.0002;
  ask.tokens = 4105;
  return ask;
}

governance::Ask attempt() {
  governance::Ask ask;
  ask.claims = {{Meter::requests, kTarget, kHigh},
                {Meter::tokens, kTarget, kHigh},
                {Meter::usd, kTarget, 1e9, governance::Period::day}};
  ask.usd_min = ask.usd_max = 0.0002;
  ask.tokens = 4105;
  return ask;
}

// A request's admission and attempt reserved, then both settled in one call, one millisecond apart each
// time (a new entry in every window, as at ~1k requests a second; faster, requests share a millisecond's
// entry). With two threads (the gateway's two workers on this 2-core VM), both take the one lock and write
// the same counters: what a reservation costs when its cache lines come from the other core.
void counters_reserve_settle(benchmark::State& state) {
  static governance::LocalCounters counters;  // (one for all the benchmark's threads)
  const auto a = admission(), b = attempt();
  const governance::Millis step = state.range(0);
  governance::Millis now = 1'796'000'000'000;
  for (auto _ : state) {
    now += step;
    auto ga = counters.reserve(a, now, 600'000);
    auto gb = counters.reserve(b, now, 600'000);
    benchmark::DoNotOptimize(gb);
    const governance::Counters::Settlement both[] = {{gb->id, 0.00001, 18}, {ga->id, 0, 18}};
    counters.settle(both, now);  // (as the settle stage does: one call, one lock)
  }
}

store::LedgerRow row() {
  store::LedgerRow r;
  r.ts_ms = 1'796'000'000'000;
  r.request_id = "179600000000042";
  r.key_id = "k_3f9a2c7d1e";
  r.model = "bench";
  r.target = "openai/gpt-4o-mini";
  r.provider = "openai";
  r.upstream_model = "gpt-4o-mini";
  r.input_tokens = 9, r.output_tokens = 9;
  r.cost_usd = 0.0000068;
  r.status = 200;
  r.latency_ms = 1;
  r.attempts = 1;
  r.path = "/v1/chat/completions";
  r.budgets = {{kKey, 1'793'491'200'000}, {kTarget, 1'795'996'800'000}};
  return r;
}

void ledger_record(benchmark::State& state) {
  const auto r = row();
  std::string out;
  for (auto _ : state) {
    out.clear();
    store::encode_row(r, out);
    benchmark::DoNotOptimize(out.data());
  }
}

}  // namespace

BENCHMARK(counters_reserve_settle)->ArgName("ms_between")->Arg(1)->Arg(0)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(ledger_record);
BENCHMARK_MAIN();
