// The learned router's model and decisions: the shipped weights load, abilities and thresholds mean what
// they say, the decision rules, and, as a sanity check rather than a measure of quality, the hand-labelled
// prompts of tests/cases/classifier ordered by difficulty more often than not.
#include "routing/learned_router.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace modelmux::routing {
namespace {

double difficulty(const std::string& text) {
  Features f;
  extract(text, 1, 0, 0, f);
  return LearnedModel::builtin().difficulty(f);
}

TEST(LearnedModel, AbilityGivesItsQualityOverTheReferencePrompts) {
  const auto& m = LearnedModel::builtin();
  EXPECT_EQ(m.version().size(), 12u);
  for (double q : {0.3, 0.74, 0.88, 0.97}) {
    double a = m.ability(q), mean = 0;
    auto z = m.reference(101);
    for (double d : z) mean += success(a, d);
    EXPECT_NEAR(mean / 101, q, 1e-6);
  }
  EXPECT_LT(m.ability(0.74), m.ability(0.88));
}

TEST(LearnedModel, StrongShareSendsThatShareOfTheReferencePromptsStrong) {
  const auto& m = LearnedModel::builtin();
  double strong = m.ability(0.88), weak = m.ability(0.74);
  auto z = m.reference(1001);
  for (double share : {0.1, 0.3, 0.5, 0.8}) {
    double t = threshold_for_share(m, strong, weak, share);
    double sent = 0;
    for (double d : z) sent += strong_better(success(strong, d), success(weak, d)) >= t;
    EXPECT_NEAR(sent / static_cast<double>(z.size()), share, 0.01) << share;
  }
  EXPECT_EQ(threshold_for_share(m, strong, weak, 1), 0);
}

TEST(LearnedModel, CheapestWithinFloor) {
  std::vector<double> p{0.70, 0.80, 0.86, 0.90}, cost{1, 3, 10, 30};
  EXPECT_EQ(cheapest_within_floor(p, cost, 0), 3u);
  EXPECT_EQ(cheapest_within_floor(p, cost, 0.05), 2u);
  EXPECT_EQ(cheapest_within_floor(p, cost, 0.1), 1u);
  EXPECT_EQ(cheapest_within_floor(p, cost, 1), 0u);
  // Calibration enters as an offset in logits and a reliability factor.
  EXPECT_NEAR(success(1, 1), 0.5, 1e-12);
  EXPECT_NEAR(success(1, 1, 0, 0.9), 0.45, 1e-12);
  EXPECT_GT(success(1, 1, 0.5), 0.6);
}

TEST(LearnedModel, ExplainsTheDifficultyByItsWeightiestTerms) {
  const auto& m = LearnedModel::builtin();
  std::string text = "Write a python function that parses a regex and explain why it works.";
  Features f;
  extract(text, 1, 0, 0, f);
  auto top = m.contributions(f, text, 6);
  ASSERT_EQ(top.size(), 6u);
  for (std::size_t i = 1; i < top.size(); ++i)
    EXPECT_GE(std::abs(top[i - 1].contribution), std::abs(top[i].contribution));
  for (const auto& c : top) {
    EXPECT_FALSE(c.feature.empty());
    EXPECT_NEAR(c.contribution, c.value * c.weight, 1e-12);
  }
}

// A sanity check, not a measure of quality: 38 everyday prompts labelled by one person with a complexity tier
// (tests/cases/classifier, written for the old hand-tuned classifier). The router was trained on three
// benchmarks with nothing like them, and it shows: with the shipped weights 46% of the pairs with different
// labels are ordered by difficulty as labelled, which is chance (a random score orders 50% +- ~8%). The check
// only catches a difficulty that has turned against the labels (a sign error, a broken featurizer), and that
// every prompt gets a finite difficulty of its own.
TEST(LearnedModel, LabelledEverydayPromptsAreNotOrderedBackwards) {
  std::ifstream in(std::string(MODELMUX_CASES_DIR) + "/classifier/prompts.json");
  ASSERT_TRUE(in) << "tests/cases/classifier/prompts.json";
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = boost::json::parse(ss.str());
  std::vector<std::pair<int, double>> labelled;
  const std::vector<std::string> tiers{"simple", "moderate", "complex", "expert"};
  for (const auto& p : doc.at("prompts").as_array()) {
    auto tier = std::find(tiers.begin(), tiers.end(), p.at("tier").as_string()) - tiers.begin();
    labelled.emplace_back(static_cast<int>(tier), difficulty(std::string(p.at("text").as_string())));
  }
  std::set<double> distinct;
  for (const auto& [tier, z] : labelled) {
    EXPECT_TRUE(std::isfinite(z));
    distinct.insert(z);
  }
  EXPECT_GT(distinct.size(), labelled.size() * 9 / 10);
  int concordant = 0, pairs = 0;
  for (const auto& a : labelled)
    for (const auto& b : labelled)
      if (a.first < b.first) {
        ++pairs;
        concordant += a.second < b.second;
      }
  double share = static_cast<double>(concordant) / pairs;
  std::cout << "labelled prompts ordered as labelled: " << concordant << "/" << pairs << "\n";
  EXPECT_GE(share, 0.3);
}

}  // namespace
}  // namespace modelmux::routing
