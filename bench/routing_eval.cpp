// bench/routing_eval: the shipped learned router on the held-out RouterBench test splits
// (tests/cases/router/test_split.json). Prints, for GPT-4 vs Mixtral, accuracy against the share of prompts
// sent to GPT-4 beside random routing and the oracle at the same shares, APGR and CPT, overall and per task;
// what the gateway's strong_share knob (thresholds calibrated on the training prompts) sends strong on each
// task; and the 11-model variant (cheapest model within a quality floor) against the best mix of two models
// at the same cost.
//
//   build/bench/routing_eval [--every-threshold] [TEST_SPLIT.json]
#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstring>
#include <iostream>

#include "routing/evaluation.hpp"

using namespace modelmux::routing;
namespace ev = modelmux::routing::evaluation;

namespace {

double pct(double v) {
  return 100 * v;
}

// The smallest share of strong calls that reaches `pgr` of the strong model's gain (RouteLLM's CPT).
double cpt(const ev::Curve& c, const ev::Pair& p, double pgr) {
  double want = p.weak_accuracy + pgr * (p.strong_accuracy - p.weak_accuracy);
  for (std::size_t i = 1; i < c.share.size(); ++i)
    if (c.accuracy[i] >= want - 1e-12) {
      double rise = c.accuracy[i] - c.accuracy[i - 1];
      double t = rise > 0 ? (want - c.accuracy[i - 1]) / rise : 0;
      return c.share[i - 1] + std::clamp(t, 0.0, 1.0) * (c.share[i] - c.share[i - 1]);
    }
  return 1;
}

void pair_table(const ev::TestSet& set, const LearnedModel& model, const std::string& task, bool every) {
  auto p = ev::pair(set, model, task);
  auto curve = ev::pair_curve(p.score, p.strong, p.weak);
  fmt::print("\n## {} ({} prompts): GPT-4 {:.1f}%, Mixtral {:.1f}%\n\n",
             task.empty() ? "all three tasks" : task, p.score.size(), pct(p.strong_accuracy),
             pct(p.weak_accuracy));
  fmt::print("APGR {:.3f} (random 0.500); CPT(50%) {:.1f}%, CPT(80%) {:.1f}% (random: 50.0%, 80.0%)\n\n",
             ev::apgr(curve, p.strong_accuracy, p.weak_accuracy), pct(cpt(curve, p, 0.5)),
             pct(cpt(curve, p, 0.8)));
  fmt::print("| sent to GPT-4 | router | random | oracle | router - random |\n|---:|---:|---:|---:|---:|\n");
  auto row = [&](double share, double acc) {
    fmt::print("| {:.1f}% | {:.2f}% | {:.2f}% | {:.2f}% | {:+.2f} |\n", pct(share), pct(acc),
               pct(p.random_at(share)), pct(p.oracle_at(share)), pct(acc - p.random_at(share)));
  };
  if (every)
    for (std::size_t i = 0; i < curve.share.size(); ++i) row(curve.share[i], curve.accuracy[i]);
  else
    for (double s : {0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1.0})
      row(s, ev::accuracy_at(curve, s));
}

// The gateway's knob: a threshold set from strong_share on the reference prompts, applied to test prompts.
void share_table(const ev::TestSet& set, const LearnedModel& model) {
  double strong = model.ability(set.quality[set.strong]), weak = model.ability(set.quality[set.weak]);
  auto tasks = ev::tasks(set);
  fmt::print(
      "\n## strong_share: the threshold calibrated on the training prompts, applied to the test prompts\n\n");
  fmt::print("| strong_share | threshold | sent to GPT-4: all |");
  for (const auto& t : tasks) fmt::print(" {} |", t);
  fmt::print(" accuracy | random at that share |\n|---:|---:|---:|");
  for (std::size_t i = 0; i < tasks.size(); ++i) fmt::print("---:|");
  fmt::print("---:|---:|\n");
  auto all = ev::pair(set, model);
  for (double share : {0.1, 0.2, 0.3, 0.5, 0.7, 0.9}) {
    double t = threshold_for_share(model, strong, weak, share);
    auto sent = [&](const ev::Pair& p, double* acc) {
      double n = 0, right = 0;
      for (std::size_t i = 0; i < p.score.size(); ++i) {
        bool go = p.score[i] >= t;
        n += go;
        right += go ? p.strong[i] : p.weak[i];
      }
      if (acc) *acc = right / static_cast<double>(p.score.size());
      return n / static_cast<double>(p.score.size());
    };
    double acc = 0, s = sent(all, &acc);
    fmt::print("| {:.0f}% | {:.4f} | {:.1f}% |", pct(share), t, pct(s));
    for (const auto& task : tasks) fmt::print(" {:.1f}% |", pct(sent(ev::pair(set, model, task), nullptr)));
    fmt::print(" {:.2f}% | {:.2f}% |\n", pct(acc), pct(all.random_at(s)));
  }
}

void floor_table(const ev::TestSet& set, const LearnedModel& model) {
  auto singles = ev::single_models(set);
  fmt::print("\n## 11 models: the cheapest whose predicted success is within the floor of the best\n\n");
  fmt::print(
      "| quality_floor | accuracy | $/prompt | to GPT-4 | best mix of two models at that cost | router - mix "
      "|\n");
  fmt::print("|---:|---:|---:|---:|---:|---:|\n");
  for (double f : {0.0, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0}) {
    auto r = ev::route_within_floor(set, model, f);
    double mix = ev::mix_at(singles, r.cost_usd);
    fmt::print("| {:.3f} | {:.2f}% | {:.6f} | {:.1f}% | {:.2f}% | {:+.2f} |\n", f, pct(r.accuracy),
               r.cost_usd, pct(r.strong_share), pct(mix), pct(r.accuracy - mix));
  }
  fmt::print("\n| model alone | accuracy | $/prompt |\n|---|---:|---:|\n");
  for (std::size_t m = 0; m < singles.size(); ++m)
    fmt::print("| {} | {:.2f}% | {:.6f} |\n", set.models[m], pct(singles[m].second), singles[m].first);
  auto [cost, acc] = ev::oracle(set);
  fmt::print("| oracle (per prompt the cheapest model that is right) | {:.2f}% | {:.6f} |\n", pct(acc), cost);
}

}  // namespace

int main(int argc, char** argv) {
  bool every = false;
  std::string path = MODELMUX_TEST_SPLIT;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--every-threshold") == 0)
      every = true;
    else
      path = argv[i];
  }
  auto set = ev::load(path);
  if (!set) {
    std::cerr << "routing_eval: " << set.error().message << "\n";
    return 2;
  }
  const auto& model = LearnedModel::builtin();
  if (set->weights_version != model.version()) {
    std::cerr << "routing_eval: " << path << " was written for weights " << set->weights_version
              << ", this build has " << model.version() << ": run training/train.sh\n";
    return 2;
  }
  fmt::print("# The learned router (weights {}) on the RouterBench test splits\n\n", model.version());
  fmt::print(
      "{} prompts held out (ARC-Challenge, MBPP, WinoGrande; none in training). GPT-4 = {}, Mixtral = {}.\n",
      set->items.size(), set->models[set->strong], set->models[set->weak]);
  pair_table(*set, model, "", every);
  for (const auto& t : ev::tasks(*set)) pair_table(*set, model, t, every);
  share_table(*set, model);
  floor_table(*set, model);
  fmt::print("\n## As measured by training/train_router.py\n\n```\n{}\n```\n",
             boost::json::serialize(set->training));
  return 0;
}
