#include "routing/learned_router.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <unordered_map>

#include "config/config.hpp"
#include "routing/catalog.hpp"
#include "routing/feedback.hpp"

namespace modelmux::routing {

extern const char* const kBuiltinRouterWeights;  // generated from data/router_weights.json

namespace json = boost::json;

namespace {

Result<std::vector<double>> numbers(const json::object& o, std::string_view key, std::size_t size) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_array() || (size && v->as_array().size() != size))
    return fail(ErrorCode::internal,
                fmt::format("router weights: {} is not an array of {} numbers", key, size));
  std::vector<double> out;
  out.reserve(v->as_array().size());
  for (const auto& x : v->as_array()) {
    if (!x.is_number())
      return fail(ErrorCode::internal, fmt::format("router weights: {} holds a non-number", key));
    out.push_back(x.to_number<double>());
  }
  return out;
}

}  // namespace

Result<LearnedModel> LearnedModel::parse(std::string_view text) {
  boost::system::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return fail(ErrorCode::internal, "router weights: not a JSON object");
  const auto& o = doc.as_object();
  // Weights trained for other features than this build computes would score garbage.
  const auto* f = o.if_contains("features");
  auto size_is = [&](std::string_view key, std::size_t want) {
    const auto* v = f && f->is_object() ? f->as_object().if_contains(key) : nullptr;
    return v && ((v->is_int64() && static_cast<std::size_t>(v->as_int64()) == want) ||
                 (v->is_array() && v->as_array().size() == want));
  };
  if (!size_is("word_buckets", kWordBuckets) || !size_is("char_buckets", kCharBuckets) ||
      !size_is("max_bytes", kMaxFeaturizedBytes) || !size_is("dense", kDenseFeatures))
    return fail(ErrorCode::internal, "router weights: trained for other features than this build computes");
  LearnedModel m;
  auto word = numbers(o, "word_weights", kWordBuckets);
  auto chars = numbers(o, "char_weights", kCharBuckets);
  auto mean = numbers(o, "dense_mean", kDenseFeatures);
  auto scale = numbers(o, "dense_scale", kDenseFeatures);
  auto dense = numbers(o, "dense_weights", kDenseFeatures);
  auto quantiles = numbers(o, "reference_quantiles", 101);
  for (const auto* r : {&word, &chars, &mean, &scale, &dense, &quantiles})
    if (!*r) return std::unexpected(r->error());
  m.word_.assign(word->begin(), word->end());
  m.char_.assign(chars->begin(), chars->end());
  std::copy(mean->begin(), mean->end(), m.mean_.begin());
  std::copy(scale->begin(), scale->end(), m.scale_.begin());
  std::copy(dense->begin(), dense->end(), m.dense_.begin());
  m.quantiles_ = std::move(*quantiles);
  if (!std::is_sorted(m.quantiles_.begin(), m.quantiles_.end()))
    return fail(ErrorCode::internal, "router weights: reference_quantiles are not sorted");
  const auto* bias = o.if_contains("bias");
  const auto* version = o.if_contains("version");
  if (!bias || !bias->is_number() || !version || !version->is_string())
    return fail(ErrorCode::internal, "router weights: bias or version missing");
  m.bias_ = bias->to_number<double>();
  m.version_ = std::string(version->as_string());
  return m;
}

const LearnedModel& LearnedModel::builtin() {
  static const LearnedModel model = [] {
    auto m = parse(kBuiltinRouterWeights);
    if (!m)
      throw config::ConfigError("the built-in router weights (data/router_weights.json): " +
                                m.error().message);
    return std::move(*m);
  }();
  return model;
}

double LearnedModel::difficulty(const Features& f) const {
  // Sums per family first: one multiply by the family's value instead of one per gram.
  double words = 0, chars = 0;
  for (auto b : f.words) words += word_[b];
  for (auto b : f.chars) chars += char_[b];
  double z = bias_ + words * f.word_value() + chars * f.char_value();
  for (std::size_t i = 0; i < kDenseFeatures; ++i) z += dense_[i] * (f.dense[i] - mean_[i]) * scale_[i];
  return z;
}

std::vector<Contribution> LearnedModel::contributions(const Features& f, std::string_view text,
                                                      std::size_t top) const {
  struct Term {
    bool chars;
    std::uint32_t bucket;  // or the dense feature's index
    bool dense;
    double value, weight;
  };
  std::vector<Term> terms;
  auto grams = [&](const std::vector<std::uint16_t>& buckets, double value, const std::vector<float>& w,
                   bool chars) {
    std::unordered_map<std::uint32_t, double> sum;
    for (auto b : buckets) sum[b] += value;
    for (auto [b, v] : sum) terms.push_back({chars, b, false, v, w[b]});
  };
  grams(f.words, f.word_value(), word_, false);
  grams(f.chars, f.char_value(), char_, true);
  for (std::uint32_t i = 0; i < kDenseFeatures; ++i)
    terms.push_back({false, i, true, (f.dense[i] - mean_[i]) * scale_[i], dense_[i]});
  auto size = [](const Term& t) { return std::abs(t.value * t.weight); };
  std::size_t n = std::min(top, terms.size());
  std::partial_sort(terms.begin(), terms.begin() + static_cast<std::ptrdiff_t>(n), terms.end(),
                    [&](const Term& a, const Term& b) { return size(a) > size(b); });
  std::vector<Contribution> out;
  for (std::size_t k = 0; k < n; ++k) {
    const auto& t = terms[k];
    if (size(t) == 0) break;
    std::string name = t.dense   ? std::string(kDenseNames[t.bucket])
                       : t.chars ? describe_char_bucket(text, t.bucket)
                                 : describe_word_bucket(text, t.bucket);
    out.push_back({std::move(name), t.value, t.weight, t.value * t.weight});
  }
  return out;
}

double LearnedModel::ability(double quality) const {
  quality = std::clamp(quality, 0.001, 0.999);
  // Mean success rises with the ability: bisect (as training/train_router.py's theta_for does).
  double lo = -30, hi = 30;
  for (int i = 0; i < 100; ++i) {
    double mid = (lo + hi) / 2, mean = 0;
    for (double z : quantiles_) mean += success(mid, z);
    (mean / static_cast<double>(quantiles_.size()) < quality ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

std::vector<double> LearnedModel::reference(std::size_t points) const {
  std::vector<double> out(points);
  double last = static_cast<double>(quantiles_.size() - 1);
  for (std::size_t k = 0; k < points; ++k) {
    double at = points > 1 ? last * static_cast<double>(k) / static_cast<double>(points - 1) : 0;
    auto i = static_cast<std::size_t>(at);
    double frac = at - static_cast<double>(i);
    out[k] =
        i + 1 < quantiles_.size() ? quantiles_[i] * (1 - frac) + quantiles_[i + 1] * frac : quantiles_[i];
  }
  return out;
}

double success(double ability, double difficulty, double offset, double reliability) {
  return reliability / (1 + std::exp(difficulty - ability - offset));
}

std::size_t cheapest_within_floor(std::span<const double> p, std::span<const double> cost, double floor) {
  double best = *std::max_element(p.begin(), p.end());
  std::size_t pick = p.size();
  for (std::size_t i = 0; i < p.size(); ++i)
    if (p[i] >= best - floor - 1e-12 && (pick == p.size() || cost[i] < cost[pick])) pick = i;
  return pick;
}

double threshold_for_share(const LearnedModel& model, double strong_ability, double weak_ability,
                           double share) {
  // The pair's score is not monotone in the difficulty (past a point both groups fail), so the quantile is
  // taken over the scores themselves, at 1,001 points of the reference distribution.
  auto z = model.reference(1001);
  std::vector<double> scores;
  scores.reserve(z.size());
  for (double d : z) scores.push_back(strong_better(success(strong_ability, d), success(weak_ability, d)));
  std::sort(scores.begin(), scores.end());
  if (share <= 0) return scores.back() + 1e-9;  // nothing reaches it
  if (share >= 1) return 0;
  double at = (1 - share) * static_cast<double>(scores.size() - 1);
  auto i = static_cast<std::size_t>(at);
  double frac = at - static_cast<double>(i);
  return i + 1 < scores.size() ? scores[i] * (1 - frac) + scores[i + 1] * frac : scores[i];
}

Result<AutoDecision> decide(const AutoRoute& route, double z, const AutoOverrides& overrides,
                            std::int64_t input_tokens, std::int64_t output_tokens, Nanos now) {
  AutoDecision d;
  d.difficulty = z;
  d.count = route.members.size();
  std::array<double, kMaxAutoGroups> p{}, cost{};
  for (std::size_t i = 0; i < d.count; ++i) {
    const auto& m = route.members[i];
    auto& x = d.members[i];
    x.group = m.group;
    x.quality = m.quality;
    x.ability = m.ability;
    x.p_model = success(m.ability, z);
    if (m.group->calibration) {
      x.offset = m.group->calibration->offset(now);
      x.reliability = m.group->calibration->reliability(now);
    }
    x.p = success(m.ability, z, x.offset, x.reliability);
    const auto* price = m.group->info.empty() ? nullptr : m.group->info[0].price;
    x.est_cost_usd = price ? price->cost(input_tokens, output_tokens) : -1;
    p[i] = x.p;
    // The pair's weak group is the cheap one by definition; other groups were checked to have prices.
    cost[i] = route.pair ? static_cast<double>(i) : x.est_cost_usd;
  }
  if (route.pair) d.p_strong_better = strong_better(d.members[1].p, d.members[0].p);
  std::optional<double> floor = overrides.quality_floor;
  if (!floor && !overrides.threshold) floor = route.quality_floor;
  if (overrides.threshold && !route.pair)
    return fail(ErrorCode::invalid_request,
                "router.threshold applies to a strong/weak auto group; this one has more groups: set "
                "x-modelmux-quality-floor (or router.quality_floor) instead",
                "router.threshold");
  if (floor) {
    d.rule = AutoDecision::Rule::quality_floor;
    d.bound = *floor;
    d.bound_source = overrides.quality_floor ? "request" : "quality_floor";
    d.chosen = cheapest_within_floor({p.data(), d.count}, {cost.data(), d.count}, *floor);
  } else {
    d.rule = AutoDecision::Rule::threshold;
    d.bound = overrides.threshold ? *overrides.threshold : *route.threshold;
    d.bound_source = overrides.threshold ? "request" : route.strong_share ? "strong_share" : "threshold";
    d.chosen = *d.p_strong_better >= d.bound ? 1 : 0;
  }
  return d;
}

}  // namespace modelmux::routing
