#include "cost/prices.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cctype>

namespace modelmux::cost {

extern const char* const kBuiltinPrices;  // generated from data/prices.json

namespace {

constexpr std::pair<std::uint32_t, std::string_view> kCapabilities[] = {{cap_tools, "tools"},
                                                                        {cap_vision, "vision"},
                                                                        {cap_json_schema, "json_schema"},
                                                                        {cap_reasoning, "reasoning"},
                                                                        {cap_embeddings, "embeddings"}};

double num(const boost::json::value& v) {
  return v.is_number() ? v.to_number<double>() : 0.0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// The id with its decorations removed one at a time, each step a candidate for an exact match:
// us.anthropic.claude-sonnet-4-5-20250929-v1:0 -> ... -> claude-sonnet-4-5; models/gemini-2.5-pro ->
// gemini-2.5-pro; gpt-4o-2024-08-06 -> gpt-4o; mistral-large-latest -> mistral-large; llama3.2:3b ->
// llama3.2.
std::vector<std::string> undecorated(std::string_view id) {
  std::vector<std::string> steps;
  std::string s = lower(id);
  if (s.starts_with("models/")) s.erase(0, 7);
  for (std::string_view region : {"us.", "eu.", "apac.", "global.", "us-gov."})
    if (s.starts_with(region)) s.erase(0, region.size());
  for (std::string_view vendor :
       {"anthropic.", "amazon.", "meta.", "mistral.", "cohere.", "qwen.", "deepseek.", "google."})
    if (s.starts_with(vendor)) s.erase(0, vendor.size());
  if (auto colon = s.find(':'); colon != std::string::npos) s.erase(colon);  // -v1:0, ollama's :tag
  steps.push_back(s);
  if (auto v = s.rfind("-v"); v != std::string::npos && all_digits(std::string_view(s).substr(v + 2))) {
    s.erase(v);
    steps.push_back(s);
  }
  for (std::string_view suffix : {"-latest", "-preview", "-exp"})
    if (s.ends_with(suffix)) {
      s.erase(s.size() - suffix.size());
      steps.push_back(s);
    }
  // A trailing date: -20250929 or -2024-08-06.
  if (auto d = s.rfind('-'); d != std::string::npos && s.size() - d - 1 == 8 && all_digits(s.substr(d + 1))) {
    s.erase(d);
    steps.push_back(s);
  }
  if (s.size() > 11 && s[s.size() - 11] == '-' && all_digits(s.substr(s.size() - 10, 4)) &&
      s[s.size() - 6] == '-' && s[s.size() - 3] == '-') {
    s.erase(s.size() - 11);
    steps.push_back(s);
  }
  return steps;
}

void apply_fields(ModelPrice& p, const boost::json::object& o) {
  if (auto* v = o.if_contains("input")) p.input = num(*v);
  if (auto* v = o.if_contains("output")) p.output = num(*v);
  if (auto* v = o.if_contains("cached_input")) p.cached_input = num(*v);
  if (auto* v = o.if_contains("cache_write_input")) p.cache_write_input = num(*v);
  if (auto* v = o.if_contains("context_window")) p.context_window = static_cast<std::int64_t>(num(*v));
  if (auto* v = o.if_contains("max_output")) p.max_output = static_cast<std::int64_t>(num(*v));
  if (auto* v = o.if_contains("quality")) p.quality = num(*v);
  if (auto* v = o.if_contains("capabilities"); v && v->is_array()) {
    p.capabilities = 0;
    for (const auto& c : v->get_array())
      if (c.is_string()) p.capabilities |= capability_from_string(c.get_string());
  }
  if (!o.contains("cached_input")) p.cached_input = p.input;
  if (!o.contains("cache_write_input")) p.cache_write_input = p.input;
}

}  // namespace

std::uint32_t capability_from_string(std::string_view name) {
  for (auto [bit, n] : kCapabilities)
    if (n == name) return bit;
  return 0;
}

std::string capability_names(std::uint32_t caps) {
  std::string out;
  for (auto [bit, n] : kCapabilities) {
    if (!(caps & bit)) continue;
    if (!out.empty()) out.push_back(',');
    out.append(n);
  }
  return out;
}

PriceTable PriceTable::load(const std::vector<config::PriceOverride>& overrides) {
  PriceTable t;
  // The data file is part of the build; a broken one fails the unit tests, not a user's start-up.
  auto doc = boost::json::parse(kBuiltinPrices);
  for (const auto& [key, v] : doc.at("models").as_object()) {
    ModelPrice p;
    p.model = lower(key);
    apply_fields(p, v.as_object());
    t.entries_[p.model] = p;
  }
  for (const auto& o : overrides) {
    std::string key = lower(o.model);
    auto [it, added] = t.entries_.try_emplace(key);
    ModelPrice& p = it->second;
    if (added) p.model = key;
    if (o.input) p.input = *o.input;
    if (o.output) p.output = *o.output;
    if (o.cached_input)
      p.cached_input = *o.cached_input;
    else if (added || o.input)
      p.cached_input = p.input;
    if (o.cache_write_input)
      p.cache_write_input = *o.cache_write_input;
    else if (added || o.input)
      p.cache_write_input = p.input;
    if (o.context_window) p.context_window = *o.context_window;
    if (o.max_output) p.max_output = *o.max_output;
    if (o.quality) p.quality = *o.quality;
    if (o.capabilities) {
      p.capabilities = 0;
      for (const auto& c : *o.capabilities) {
        auto bit = capability_from_string(c);
        if (!bit)
          config::raise(
              o.origin,
              fmt::format("unknown capability \"{}\" (known: tools, vision, json_schema, reasoning, "
                          "embeddings)",
                          c));
        p.capabilities |= bit;
      }
    }
  }
  return t;
}

const ModelPrice* PriceTable::find(std::string_view model) const {
  std::string key = lower(model);
  if (auto it = entries_.find(key); it != entries_.end()) return &it->second;
  auto steps = undecorated(model);
  for (const auto& step : steps)
    if (auto it = entries_.find(step); it != entries_.end()) return &it->second;
  const std::string& bare = steps.back();
  // Longest listed prefix that ends where a word of the id ends (gpt-4o-mini-search -> gpt-4o-mini).
  const ModelPrice* best = nullptr;
  for (const auto& [k, p] : entries_) {
    if (bare.size() > k.size() && bare.starts_with(k) && (bare[k.size()] == '-' || bare[k.size()] == '.') &&
        (!best || k.size() > best->model.size()))
      best = &p;
  }
  return best;
}

}  // namespace modelmux::cost
