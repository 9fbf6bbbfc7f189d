// The C++ featurizer and scorer against the training script's (tests/cases/router/features_golden.json,
// written by training/train_router.py): the weights are only right for the buckets Python computed.
#include "routing/features.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "routing/learned_router.hpp"

namespace modelmux::routing {
namespace {

boost::json::value read_case_file(const std::string& name) {
  std::ifstream in(std::string(MODELMUX_CASES_DIR) + "/router/" + name);
  EXPECT_TRUE(in) << "tests/cases/router/" << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str());
}

std::map<std::string, double> sums(const std::vector<std::uint16_t>& buckets, double value) {
  std::map<std::string, double> out;
  for (auto b : buckets) out[std::to_string(b)] += value;
  return out;
}

void expect_same(const std::map<std::string, double>& got, const boost::json::object& want,
                 const std::string& what) {
  EXPECT_EQ(got.size(), want.size()) << what;
  for (const auto& [bucket, value] : want) {
    auto it = got.find(std::string(bucket));
    ASSERT_NE(it, got.end()) << what << ": bucket " << std::string(bucket) << " missing";
    EXPECT_NEAR(it->second, value.to_number<double>(), 1e-12) << what << ": bucket " << std::string(bucket);
  }
}

TEST(Features, MatchTheTrainingScriptOnTheGoldenStrings) {
  auto doc = read_case_file("features_golden.json");
  const auto& model = LearnedModel::builtin();
  EXPECT_EQ(std::string(doc.at("weights_version").as_string()), model.version())
      << "features_golden.json and data/router_weights.json come from different trainings: run "
         "training/train.sh";
  Features f;
  for (const auto& c : doc.at("cases").as_array()) {
    const auto& o = c.as_object();
    std::string text(o.at("text").as_string());
    extract(text, o.at("turns").to_number<std::size_t>(), o.at("tools").to_number<std::size_t>(),
            o.at("system_bytes").to_number<std::size_t>(), f);
    std::string what = text.substr(0, 40);
    expect_same(sums(f.words, f.word_value()), o.at("word").as_object(), what + " (words)");
    expect_same(sums(f.chars, f.char_value()), o.at("char").as_object(), what + " (chars)");
    const auto& dense = o.at("dense").as_array();
    ASSERT_EQ(dense.size(), kDenseFeatures);
    for (std::size_t i = 0; i < kDenseFeatures; ++i)
      EXPECT_NEAR(f.dense[i], dense[i].to_number<double>(), 1e-12) << what << ": " << kDenseNames[i];
    // (the weights are floats here and doubles there)
    EXPECT_NEAR(model.difficulty(f), o.at("z").to_number<double>(), 1e-5) << what;
  }
}

TEST(Features, ARequestIsReadByItsLastUserMessageAndItsCounts) {
  ChatRequest req;
  auto message = [](Role role, std::string text) {
    Message m;
    m.role = role;
    m.content.push_back(ContentPart{ContentPart::Kind::text, std::move(text), {}, {}, {}});
    return m;
  };
  req.messages = {message(Role::system, "Be brief."), message(Role::user, "first question"),
                  message(Role::assistant, "an answer"), message(Role::user, "Why is the sky blue?")};
  req.tools.push_back(Tool{"search", "", boost::json::object{}, false});
  Features a, b;
  extract(req, a);
  extract("Why is the sky blue?", 2, 1, 9, b);
  EXPECT_EQ(a.words, b.words);
  EXPECT_EQ(a.chars, b.chars);
  EXPECT_EQ(a.dense, b.dense);
  // Several text parts are one text.
  req.messages.back().content.push_back(ContentPart{ContentPart::Kind::text, " Answer briefly.", {}, {}, {}});
  extract(req, a);
  extract("Why is the sky blue? Answer briefly.", 2, 1, 9, b);
  EXPECT_EQ(a.words, b.words);
}

TEST(Features, HashedGramsAreNamedFromTheText) {
  std::string text = "Sort the list, then print it";
  Features f;
  extract(text, 1, 0, 0, f);
  ASSERT_EQ(f.words.size(), 6u + 5u);
  EXPECT_EQ(describe_word_bucket(text, f.words[0]), "word \"Sort\"");
  EXPECT_EQ(describe_word_bucket(text, f.words[2]), "words \"Sort the\"");
  EXPECT_EQ(describe_char_bucket(text, f.chars[0]), "chars \" sor\"");
}

}  // namespace
}  // namespace modelmux::routing
