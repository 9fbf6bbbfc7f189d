// The shipped learned router against random routing on the held-out RouterBench test splits
// (tests/cases/router/test_split.json), GPT-4 vs Mixtral, and the C++ measures against the training
// script's.
#include "routing/evaluation.hpp"

#include <gtest/gtest.h>

namespace modelmux::routing {
namespace {

const evaluation::TestSet& test_set() {
  static const auto set = evaluation::load(std::string(MODELMUX_CASES_DIR) + "/router/test_split.json");
  EXPECT_TRUE(set) << set.error().message;
  return *set;
}

// The operating points are the three shares (of prompts sent to GPT-4) where the router's cross-validated
// gain on the training split was largest: 40%, 50%, 60% (training/train_router.py prints them). The margin
// at each is the gain's mean minus two standard deviations over ten trainings on 80% subsamples of the
// training split (seed spread on the test split: +0.89 +- 0.31, +1.41 +- 0.24, +1.64 +- 0.13 points), so a
// retraining falls below it about one time in forty, and every margin above 0 says "better than random".
// The shipped model (all of the training split) gains +0.85, +1.16 and +1.59 points. The test split's own
// sampling is a larger error than the seeds': its bootstrap standard deviation is 0.6-0.7 points, so only the
// gain at 60% is clear of zero at 95% (bench/results/learned-router.md).
TEST(RouterQuality, BeatsRandomRoutingAtThreeOperatingPoints) {
  const auto& set = test_set();
  const auto& model = LearnedModel::builtin();
  ASSERT_EQ(set.weights_version, model.version())
      << "test_split.json was written for other weights: run training/train.sh";
  auto p = evaluation::pair(set, model);
  auto curve = evaluation::pair_curve(p.score, p.strong, p.weak);
  struct Point {
    double share, margin;
  };
  for (auto [share, margin] : {Point{0.4, 0.0025}, Point{0.5, 0.0090}, Point{0.6, 0.0135}}) {
    double gain = evaluation::accuracy_at(curve, share) - p.random_at(share);
    EXPECT_GT(margin, 0);
    EXPECT_GE(gain, margin) << "at " << share * 100 << "% sent to GPT-4";
    std::cout << "sent to GPT-4 " << share * 100 << "%: router "
              << evaluation::accuracy_at(curve, share) * 100 << "%, random " << p.random_at(share) * 100
              << "%, gain " << gain * 100 << " points (margin " << margin * 100 << ")\n";
  }
  // (seed spread of APGR: 0.560 +- 0.004)
  EXPECT_GT(evaluation::apgr(curve, p.strong_accuracy, p.weak_accuracy), 0.55);
}

TEST(RouterQuality, TheEvaluationIsTheTrainingScripts) {
  const auto& set = test_set();
  const auto& model = LearnedModel::builtin();
  const auto& shipped = set.training.at("shipped").as_object();
  auto p = evaluation::pair(set, model);
  auto curve = evaluation::pair_curve(p.score, p.strong, p.weak);
  EXPECT_NEAR(evaluation::apgr(curve, p.strong_accuracy, p.weak_accuracy),
              shipped.at("apgr").to_number<double>(), 1e-6);
  for (double share : {0.1, 0.3, 0.5, 0.7, 0.9}) {
    auto key = "gain_at_" + std::to_string(share).substr(0, 3);
    EXPECT_NEAR(evaluation::accuracy_at(curve, share) - p.random_at(share),
                shipped.at(key).to_number<double>(), 1e-6)
        << key;
  }
  for (const auto& task : evaluation::tasks(set)) {
    auto t = evaluation::pair(set, model, task);
    auto c = evaluation::pair_curve(t.score, t.strong, t.weak);
    EXPECT_NEAR(evaluation::apgr(c, t.strong_accuracy, t.weak_accuracy),
                shipped.at("apgr_" + task).to_number<double>(), 1e-6)
        << task;
  }
  // The oracle never loses to the router, and the router's curve runs from the weak model to the strong.
  EXPECT_NEAR(evaluation::accuracy_at(curve, 0), p.weak_accuracy, 1e-12);
  EXPECT_NEAR(evaluation::accuracy_at(curve, 1), p.strong_accuracy, 1e-12);
  for (double share = 0; share <= 1; share += 0.05)
    EXPECT_GE(p.oracle_at(share) + 1e-12, evaluation::accuracy_at(curve, share));
}

}  // namespace
}  // namespace modelmux::routing
