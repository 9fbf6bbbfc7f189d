#include "routing/classifier.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "cost/tokens.hpp"

namespace modelmux::routing {

std::string_view to_string(Tier t) {
  switch (t) {
    case Tier::simple: return "simple";
    case Tier::moderate: return "moderate";
    case Tier::complex: return "complex";
    case Tier::expert: return "expert";
  }
  return "simple";
}

namespace {

// Cue lists are matched case-insensitively as substrings of the lower-cased prompt.
constexpr std::array kCodeCues{"```", "def ", "function ", "class ", "#include", "import ", "return ", "=>", "();",
                               "public static", "select ", "const ", "fn ", "std::", "println", "console.log",
                               "stack trace", "traceback", "segfault", "compile", "refactor", "regex", "sql"};
constexpr std::array kMathCues{"\\frac", "\\int", "\\sum", "$$", "integral", "derivative", "equation", "theorem",
                               "matrix", "eigen", "probability", "polynomial", "logarithm", "calculate", "solve for",
                               "how many ways", "modulo", "prime", "geometry", "statistic"};
constexpr std::array kReasoningCues{"step by step", "explain why", "analy", "compare", "trade-off", "tradeoff",
                                    "design", "architect", "evaluate", "justify", "optimi", "pros and cons",
                                    "reason", "critique", "plan ", "strategy", "implications", "debug", "why does",
                                    "root cause", "implement"};
constexpr std::array kExpertCues{"prove", "proof", "formal", "rigorous", "novel", "research", "distributed",
                                 "consensus", "concurrency", "lock-free", "security audit", "threat model",
                                 "cryptograph", "compiler", "kernel", "formally verify", "asymptotic", "np-hard",
                                 "differential equation", "quantum", "scalab", "fault-tolerant", "byzantine"};
constexpr std::array kSimpleCues{"hello", "hi ", "thanks", "thank you", "translate", "what is", "who is", "define ",
                                 "capital of", "spell", "synonym", "summarize this sentence", "tell me a joke",
                                 "what time", "convert "};

template <std::size_t N>
int count_cues(std::string_view text, const std::array<const char*, N>& cues) {
  int n = 0;
  for (const char* c : cues)
    if (text.find(c) != std::string_view::npos) ++n;
  return n;
}

}  // namespace

Classification classify(const ChatRequest& req) {
  Classification c;
  auto add = [&](std::string_view name, double value, double points) {
    if (points == 0) return;
    c.features.push_back({name, value, points});
    c.score += points;
  };

  // What the user (and system) asked: the latest user turn weighs most; the whole conversation sets length.
  std::string all, last_user;
  std::size_t turns = 0;
  for (const auto& m : req.messages) {
    std::string t = m.text();
    if (m.role == Role::user) {
      last_user = t;
      ++turns;
    }
    all += t;
    all += '\n';
  }
  std::string lower = last_user;
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));

  auto tokens = static_cast<double>(cost::estimate_tokens(all));
  add("length_tokens", tokens, tokens < 60 ? 0 : tokens < 300 ? 1 : tokens < 1500 ? 2 : tokens < 8000 ? 3 : 4);

  int code = count_cues(lower, kCodeCues);
  add("code", code, code == 0 ? 0 : code < 3 ? 1.5 : 2.5);
  int math = count_cues(lower, kMathCues);
  add("math", math, math == 0 ? 0 : math < 2 ? 1.5 : 2.5);
  int reasoning = count_cues(lower, kReasoningCues);
  add("reasoning_cues", reasoning, std::min(reasoning, 3) * 1.0);
  int expert = count_cues(lower, kExpertCues);
  add("expert_cues", expert, std::min(expert, 3) * 1.5);

  auto questions = static_cast<double>(std::count(lower.begin(), lower.end(), '?'));
  add("questions", questions, questions > 2 ? 1 : 0);
  auto tools = static_cast<double>(req.tools.size());
  add("tools", tools, tools == 0 ? 0 : tools <= 3 ? 1 : 2);
  add("conversation_turns", static_cast<double>(turns), turns > 12 ? 2 : turns > 5 ? 1 : 0);
  bool images = false;
  for (const auto& m : req.messages)
    for (const auto& p : m.content) images = images || p.kind == ContentPart::Kind::image;
  add("images", images ? 1 : 0, images ? 1 : 0);
  if (req.response_format.type == ResponseFormat::Type::json_schema) add("json_schema", 1, 0.5);

  int simple = count_cues(lower, kSimpleCues);
  if (simple > 0 && c.score < 3) add("simple_cues", simple, -1);

  c.tier = c.score < 2 ? Tier::simple : c.score < 4 ? Tier::moderate : c.score < 7 ? Tier::complex : Tier::expert;
  return c;
}

}  // namespace modelmux::routing
