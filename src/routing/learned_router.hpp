// The learned router behind strategy `auto`: a prompt's difficulty z, linear in its features
// (routing/features.hpp) with weights trained offline (training/train_router.py -> data/router_weights.json,
// embedded in the binary), and item-response theory on top: a group whose quality is q answers a prompt
// right with probability sigmoid(ability(q) - z), ability(q) being the one whose mean success over the
// reference prompts (the training prompts) is q. A strong/weak pair routes on P(strong right and weak
// wrong) against a threshold (or one calibrated to send a share of the reference prompts strong); more
// groups route to the cheapest one whose predicted success is within a quality floor of the best. Each
// group's calibration from outcomes (routing/feedback.hpp) adjusts its prediction.
//
// What it was trained on, and how little of it transfers to other tasks, is in training/README.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "modelmux/error.hpp"
#include "routing/clock.hpp"
#include "routing/features.hpp"

namespace modelmux::routing {

struct ModelGroup;
class Calibration;

// One term of a prompt's difficulty, for the explainer.
struct Contribution {
  std::string feature;  // "word \"python\"", "chars \" reg\"", "code_cues", ...
  double value;         // the feature's value (standardised, for the dense ones)
  double weight;
  double contribution;  // value x weight: what it added to the difficulty
};

class LearnedModel {
 public:
  // The weights shipped in the binary (data/router_weights.json), parsed on first use. Throws
  // config::ConfigError when they cannot be read (a build that embedded a broken file).
  static const LearnedModel& builtin();
  static Result<LearnedModel> parse(std::string_view json);

  double difficulty(const Features& f) const;
  // The `top` terms of the difficulty with the largest magnitude; `text` is what `f` was extracted from
  // (hashed grams are named after the first gram of the text in their bucket).
  std::vector<Contribution> contributions(const Features& f, std::string_view text, std::size_t top) const;
  // The ability of a group whose mean success over the reference prompts is `quality` (0..1).
  double ability(double quality) const;
  // The reference prompts' difficulties at `points` evenly spaced quantile levels (0 to 1).
  std::vector<double> reference(std::size_t points) const;
  const std::string& version() const { return version_; }

 private:
  std::vector<float> word_, char_;
  std::array<double, kDenseFeatures> mean_{}, scale_{}, dense_{};
  double bias_ = 0;
  std::vector<double> quantiles_;  // the reference difficulty at every percentile
  std::string version_;
};

// P(a group answers right): the model's prediction with the group's calibration, an offset in logits and
// the share of requests it answers at all.
double success(double ability, double difficulty, double offset = 0, double reliability = 1);
// What a strong/weak pair routes on: P(strong right and weak wrong), the outcomes taken as independent.
inline double strong_better(double p_strong, double p_weak) {
  return p_strong * (1 - p_weak);
}
// The index of the cheapest option whose p is within `floor` of the best p (ties: the earlier one).
std::size_t cheapest_within_floor(std::span<const double> p, std::span<const double> cost, double floor);
// The threshold on strong_better() that sends `share` of the reference prompts to the strong group.
double threshold_for_share(const LearnedModel& model, double strong_ability, double weak_ability,
                           double share);

inline constexpr std::size_t kMaxAutoGroups = 8;

// A model group's `auto:` section, resolved against the catalog.
struct AutoRoute {
  struct Member {
    const ModelGroup* group = nullptr;
    double quality = 0;  // its first target's quality (price table or the target's `quality:`)
    double ability = 0;
  };
  const LearnedModel* model = nullptr;
  std::vector<Member> members;  // the pair: {weak, strong}; otherwise as configured
  bool pair = false;
  std::optional<double> threshold;  // the pair's; from strong_share when that is what was configured
  std::optional<double> strong_share;
  std::optional<double> quality_floor;
};

// The decision for one request, kept in its plan (explained by /v1/route, recorded for feedback).
struct AutoDecision {
  struct Member {
    const ModelGroup* group = nullptr;
    double quality = 0, ability = 0;
    double p_model = 0;  // the model's P(success), before calibration
    double offset = 0, reliability = 1;
    double p = 0;  // with calibration: what the decision used
    double est_cost_usd = -1;
  };
  enum class Rule : std::uint8_t { threshold, quality_floor };
  double difficulty = 0;
  std::array<Member, kMaxAutoGroups> members{};  // (an array: no allocation per request)
  std::size_t count = 0;
  std::optional<double> p_strong_better;  // the pair's
  Rule rule = Rule::threshold;
  double bound = 0;               // the threshold or floor applied
  std::string_view bound_source;  // "threshold", "strong_share", "quality_floor" (configured) or "request"
  std::size_t chosen = 0;
  std::vector<Contribution> top_features;  // filled when the plan is explained

  const Member& chosen_member() const { return members[chosen]; }
  std::span<const Member> all() const { return {members.data(), count}; }
};

// What a request may set: a threshold (the pair's) or a quality floor (any auto group), overriding the
// configuration's.
struct AutoOverrides {
  std::optional<double> threshold;
  std::optional<double> quality_floor;
};

// Picks the group for a prompt of difficulty `z`; an error when the request's override does not apply.
Result<AutoDecision> decide(const AutoRoute& route, double z, const AutoOverrides& overrides,
                            std::int64_t input_tokens, std::int64_t output_tokens, Nanos now);

}  // namespace modelmux::routing
