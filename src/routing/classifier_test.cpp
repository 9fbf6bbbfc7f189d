// The complexity classifier on a labelled set of prompts (tests/cases/classifier/prompts.json).
#include "routing/classifier.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace modelmux::routing {
namespace {

ChatRequest ask(const std::string& text) {
  ChatRequest r;
  r.model = std::string("auto");
  Message m;
  m.role = Role::user;
  m.content.push_back(ContentPart{ContentPart::Kind::text, text, {}, {}, {}});
  r.messages.push_back(std::move(m));
  return r;
}

Tier tier_of(std::string_view name) {
  for (auto t : {Tier::simple, Tier::moderate, Tier::complex, Tier::expert})
    if (to_string(t) == name) return t;
  ADD_FAILURE() << "unknown tier " << name;
  return Tier::simple;
}

TEST(Classifier, LabelledPrompts) {
  std::ifstream in(std::string(MODELMUX_CASES_DIR) + "/classifier/prompts.json");
  ASSERT_TRUE(in) << "tests/cases/classifier/prompts.json";
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = boost::json::parse(ss.str());
  int total = 0, right = 0;
  for (const auto& p : doc.at("prompts").as_array()) {
    auto text = std::string(p.at("text").as_string());
    Tier want = tier_of(p.at("tier").as_string());
    auto got = classify(ask(text));
    ++total;
    right += got.tier == want;
    int off = std::abs(static_cast<int>(got.tier) - static_cast<int>(want));
    EXPECT_LE(off, 1) << "labelled " << to_string(want) << ", classified " << to_string(got.tier)
                      << " (score " << got.score << "): " << text.substr(0, 80);
    if (got.tier != want)
      std::cout << "  miss: labelled " << to_string(want) << ", got " << to_string(got.tier) << " ("
                << got.score << "): " << text.substr(0, 70) << "\n";
  }
  double accuracy = static_cast<double>(right) / total;
  std::cout << "classifier accuracy on " << total << " labelled prompts: " << right << "/" << total << "\n";
  EXPECT_GE(accuracy, 0.75);
}

TEST(Classifier, ExplainsWhatScored) {
  auto c = classify(ask("Implement a lock-free queue in C++ with std::atomic and prove it is linearizable."));
  bool code = false, expert = false;
  for (const auto& f : c.features) {
    code = code || f.name == "code";
    expert = expert || f.name == "expert_cues";
  }
  EXPECT_TRUE(code);
  EXPECT_TRUE(expert);
  EXPECT_GT(c.score, 0);
  auto tools = ask("weather in Paris?");
  tools.tools.push_back(Tool{"get_weather", "", boost::json::object{}, false});
  auto t = classify(tools);
  EXPECT_EQ(t.features.front().name, "tools");
}

}  // namespace
}  // namespace modelmux::routing
