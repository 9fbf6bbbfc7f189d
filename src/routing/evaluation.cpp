#include "routing/evaluation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <numeric>
#include <sstream>

namespace modelmux::routing::evaluation {

namespace json = boost::json;

namespace {

std::vector<double> numbers(const json::value& v) {
  std::vector<double> out;
  for (const auto& x : v.as_array()) out.push_back(x.is_null() ? -1 : x.to_number<double>());
  return out;
}

// Items every model was scored on (the 11-model variant needs all of them).
bool complete(const Item& it) {
  return std::none_of(it.score.begin(), it.score.end(), [](double s) { return s < 0; });
}

}  // namespace

Result<TestSet> load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::not_found, fmt::format("cannot read {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  auto doc = json::parse(ss.str(), ec);
  if (ec || !doc.is_object())
    return fail(ErrorCode::invalid_json, fmt::format("{} is not a JSON object", path));
  try {
    const auto& o = doc.as_object();
    TestSet set;
    set.weights_version = std::string(o.at("weights_version").as_string());
    for (const auto& m : o.at("models").as_array()) set.models.emplace_back(m.as_string());
    auto index = [&](std::string_view name) {
      return static_cast<std::size_t>(std::find(set.models.begin(), set.models.end(), name) -
                                      set.models.begin());
    };
    set.strong = index(o.at("strong").as_string());
    set.weak = index(o.at("weak").as_string());
    set.quality = numbers(o.at("model_quality"));
    set.mean_cost = numbers(o.at("model_cost_usd"));
    for (const auto& v : o.at("items").as_array()) {
      const auto& it = v.as_object();
      set.items.push_back({std::string(it.at("task").as_string()), it.at("z").to_number<double>(),
                           numbers(it.at("score")), numbers(it.at("cost"))});
    }
    for (const char* k : {"operating_shares", "seed_spread", "shipped", "bootstrap"})
      set.training[k] = o.at(k);
    return set;
  } catch (const std::exception& e) {
    return fail(ErrorCode::invalid_json, fmt::format("{}: {}", path, e.what()));
  }
}

std::vector<std::string> tasks(const TestSet& set) {
  std::vector<std::string> out;
  for (const auto& it : set.items)
    if (std::find(out.begin(), out.end(), it.task) == out.end()) out.push_back(it.task);
  return out;
}

Curve pair_curve(std::span<const double> score, std::span<const double> strong,
                 std::span<const double> weak) {
  std::size_t n = score.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  Curve c;
  double correct = std::accumulate(weak.begin(), weak.end(), 0.0);
  c.share.push_back(0);
  c.accuracy.push_back(correct / static_cast<double>(n));
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    for (; j < n && score[order[j]] == score[order[i]]; ++j) correct += strong[order[j]] - weak[order[j]];
    c.share.push_back(static_cast<double>(j) / static_cast<double>(n));
    c.accuracy.push_back(correct / static_cast<double>(n));
    i = j;
  }
  return c;
}

double accuracy_at(const Curve& c, double share) {
  auto it = std::lower_bound(c.share.begin(), c.share.end(), share);
  if (it == c.share.begin()) return c.accuracy.front();
  if (it == c.share.end()) return c.accuracy.back();
  auto i = static_cast<std::size_t>(it - c.share.begin());
  double span = c.share[i] - c.share[i - 1];
  double t = span > 0 ? (share - c.share[i - 1]) / span : 1;
  return c.accuracy[i - 1] + t * (c.accuracy[i] - c.accuracy[i - 1]);
}

double apgr(const Curve& c, double strong_accuracy, double weak_accuracy) {
  auto pgr = [&](double acc) { return (acc - weak_accuracy) / (strong_accuracy - weak_accuracy); };
  double area = 0;
  for (std::size_t i = 1; i < c.share.size(); ++i)
    area += (pgr(c.accuracy[i]) + pgr(c.accuracy[i - 1])) / 2 * (c.share[i] - c.share[i - 1]);
  return area;
}

double Pair::oracle_at(double share) const {
  double only_strong = 0;
  for (std::size_t i = 0; i < strong.size(); ++i) only_strong += strong[i] == 1 && weak[i] == 0;
  return weak_accuracy + std::min(share, only_strong / static_cast<double>(strong.size()));
}

Pair pair(const TestSet& set, const LearnedModel& model, std::string_view task) {
  Pair p;
  double strong = model.ability(set.quality[set.strong]), weak = model.ability(set.quality[set.weak]);
  for (const auto& it : set.items) {
    if (!task.empty() && it.task != task) continue;
    p.score.push_back(strong_better(success(strong, it.z), success(weak, it.z)));
    p.strong.push_back(it.score[set.strong]);
    p.weak.push_back(it.score[set.weak]);
  }
  auto n = static_cast<double>(p.score.size());
  p.strong_accuracy = std::accumulate(p.strong.begin(), p.strong.end(), 0.0) / n;
  p.weak_accuracy = std::accumulate(p.weak.begin(), p.weak.end(), 0.0) / n;
  return p;
}

FloorPoint route_within_floor(const TestSet& set, const LearnedModel& model, double floor) {
  std::vector<double> ability;
  for (double q : set.quality) ability.push_back(model.ability(q));
  FloorPoint f{floor, 0, 0, 0};
  std::vector<double> p(set.models.size());
  double n = 0;
  for (const auto& it : set.items) {
    if (!complete(it)) continue;
    for (std::size_t m = 0; m < p.size(); ++m) p[m] = success(ability[m], it.z);
    auto pick = cheapest_within_floor(p, set.mean_cost, floor);
    f.accuracy += it.score[pick];
    f.cost_usd += it.cost[pick];
    f.strong_share += pick == set.strong;
    ++n;
  }
  f.accuracy /= n;
  f.cost_usd /= n;
  f.strong_share /= n;
  return f;
}

std::vector<std::pair<double, double>> single_models(const TestSet& set) {
  std::vector<std::pair<double, double>> out(set.models.size());
  double n = 0;
  for (const auto& it : set.items) {
    if (!complete(it)) continue;
    for (std::size_t m = 0; m < out.size(); ++m) {
      out[m].first += it.cost[m];
      out[m].second += it.score[m];
    }
    ++n;
  }
  for (auto& [c, a] : out) c /= n, a /= n;
  return out;
}

double mix_at(const std::vector<std::pair<double, double>>& singles, double cost) {
  // The best of every mix of two models that costs `cost` on average (or the best single model below it).
  double best = 0;
  for (const auto& a : singles)
    for (const auto& b : singles) {
      if (a.first <= cost && b.first >= cost) {
        double t = b.first > a.first ? (cost - a.first) / (b.first - a.first) : 1;
        best = std::max(best, a.second + t * (b.second - a.second));
      }
      if (a.first <= cost) best = std::max(best, a.second);
    }
  return best;
}

std::pair<double, double> oracle(const TestSet& set) {
  double cost = 0, acc = 0, n = 0;
  for (const auto& it : set.items) {
    if (!complete(it)) continue;
    std::size_t pick = it.score.size();
    for (std::size_t m = 0; m < it.score.size(); ++m)
      if (it.score[m] == 1 && (pick == it.score.size() || it.cost[m] < it.cost[pick])) pick = m;
    if (pick == it.score.size())
      pick = static_cast<std::size_t>(std::min_element(it.cost.begin(), it.cost.end()) - it.cost.begin());
    cost += it.cost[pick];
    acc += it.score[pick];
    ++n;
  }
  return {cost / n, acc / n};
}

}  // namespace modelmux::routing::evaluation
