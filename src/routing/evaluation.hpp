// Measuring the learned router on the held-out RouterBench test splits (tests/cases/router/test_split.json,
// written by training/train_router.py: each item's difficulty under the shipped weights, every model's
// score and cost, no prompt text), the way training/evaluate.py does. Used by bench/routing_eval and the
// unit test that holds the router above random routing; not part of the gateway (its own library).
//
// Pair routing sends prompts to the strong model in order of decreasing score; prompts with equal scores
// move together, and a share inside such a group is read off the straight line between its ends (the
// expectation under random tie-breaking). PGR(s) = (acc(s) - acc_weak) / (acc_strong - acc_weak); APGR is
// its area over s in [0, 1] (RouteLLM), 0.5 for random routing.
#pragma once

#include <boost/json/object.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "modelmux/error.hpp"
#include "routing/learned_router.hpp"

namespace modelmux::routing::evaluation {

struct Item {
  std::string task;
  double z = 0;
  std::vector<double> score;  // per model; -1: not scored
  std::vector<double> cost;   // per model, USD
};

struct TestSet {
  std::string weights_version;
  std::vector<std::string> models;
  std::size_t strong = 0, weak = 0;
  std::vector<double> quality, mean_cost;  // per model, on the training split
  std::vector<Item> items;
  boost::json::object training;  // what the training script measured: seed spread, bootstrap, shipped
};
Result<TestSet> load(const std::string& path);
std::vector<std::string> tasks(const TestSet& set);

struct Curve {
  std::vector<double> share, accuracy;
};
Curve pair_curve(std::span<const double> score, std::span<const double> strong, std::span<const double> weak);
double accuracy_at(const Curve& c, double share);
double apgr(const Curve& c, double strong_accuracy, double weak_accuracy);

// The strong/weak pair on the items of `task` (all when empty), scored as the gateway scores them: groups
// whose quality is the models' training accuracy.
struct Pair {
  std::vector<double> score, strong, weak;
  double strong_accuracy = 0, weak_accuracy = 0;
  double random_at(double share) const { return share * strong_accuracy + (1 - share) * weak_accuracy; }
  // The best any router can do at `share`: the prompts only the strong model gets right go first.
  double oracle_at(double share) const;
};
Pair pair(const TestSet& set, const LearnedModel& model, std::string_view task = {});

// Every model at once: the cheapest (by training mean cost) whose predicted success is within `floor` of the
// best, on the items every model was scored on.
struct FloorPoint {
  double floor = 0, accuracy = 0, cost_usd = 0, strong_share = 0;
};
FloorPoint route_within_floor(const TestSet& set, const LearnedModel& model, double floor);
// Each model alone, on the same items: (mean cost, accuracy).
std::vector<std::pair<double, double>> single_models(const TestSet& set);
// The best mix of two models (random routing between them) at a mean cost: the upper convex hull of the
// single models (RouterBench's "zero router").
double mix_at(const std::vector<std::pair<double, double>>& singles, double cost);
// Per item the cheapest model that is right (or the cheapest, when none is): (mean cost, accuracy).
std::pair<double, double> oracle(const TestSet& set);

}  // namespace modelmux::routing::evaluation
