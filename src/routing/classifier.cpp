#include "routing/classifier.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "cost/tokens.hpp"

namespace modelmux::routing {

std::string_view to_string(Tier t) {
  switch (t) {
    case Tier::simple:
      return "simple";
    case Tier::moderate:
      return "moderate";
    case Tier::complex:
      return "complex";
    case Tier::expert:
      return "expert";
  }
  return "simple";
}

namespace {

// Cue lists are matched case-insensitively as substrings of the lower-cased prompt.
constexpr std::array kTaskCues{"write ",   "summar",  "explain",    "rewrite",      "list ",     "give me",
                               "create ",  "draft",   "compare",    "what are the", "calculate", "itinerary",
                               "describe", "outline", "difference", "bullet",       "paragraph", "email"};
constexpr std::array kCodeCues{
    "```",   "def ",   "function",    "class ",      "#include",   "import ",    "return ",  "=>",
    "();",   "std::",  "console.log", "stack trace", "traceback",  "segfault",   "compile",  "refactor",
    "regex", "sql",    "query",       "python",      "javascript", "typescript", "c++",      " go ",
    "in go", "rust",   "java",        "script",      "api",        "schema",     "database", "kubernetes",
    "jvm",   "docker", "concurren",   "thread",      "parquet",    "csv"};
constexpr std::array kMathCues{
    "\\frac",  "\\int",         "\\sum",       "$$",          "integral",   "derivative", "equation",
    "theorem", "matrix",        "eigen",       "probability", "polynomial", "logarithm",  "calculate",
    "solve",   "how many ways", "modulo",      "prime",       "geometry",   "statistic",  "x^2",
    "formula", "interest",      "closed-form", "ring",        "field"};
constexpr std::array kReasoningCues{
    "step by step", "explain why", "analy",      "compare",         "trade-off",    "tradeoff",
    "design",       "architect",   "evaluate",   "justify",         "optimi",       "pros and cons",
    "reason",       "critique",    "plan",       "strategy",        "implications", "debug",
    "why does",     "root cause",  "implement",  "walk me through", "recommend",    "risks",
    "hypothes",     "testable",    "trade-offs", "explain each",    "strengthen",   "edge case"};
constexpr std::array kExpertCues{
    "prove",       "proof",          "formal",    "rigorous",       "novel",        "research",
    "distributed", "consensus",      "lock-free", "security audit", "threat model", "vulnerab",
    "cryptograph", "compiler",       "kernel",    "asymptotic",     "np-hard",      "differential equation",
    "quantum",     "fault-tolerant", "byzantine", "linearizab",     "memory order", "theoretical",
    "invariant",   "undecidab",      "falsif",    "generaliz",      "uniqu"};
constexpr std::array kSimpleCues{
    "hello",   "hi ",        "thanks", "thank you", "translate",      "what is",   "who is",
    "define ", "capital of", "spell",  "synonym",   "tell me a joke", "what time", "convert "};

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
  add("length_tokens", tokens,
      tokens < 15     ? 0
      : tokens < 40   ? 0.75
      : tokens < 100  ? 1.25
      : tokens < 400  ? 2
      : tokens < 2000 ? 3
                      : 4);

  int task = count_cues(lower, kTaskCues);
  add("task", task, task == 0 ? 0 : task < 2 ? 1 : 1.5);
  int code = count_cues(lower, kCodeCues);
  add("code", code, code == 0 ? 0 : code < 3 ? 1.5 : 2.5);
  int math = count_cues(lower, kMathCues);
  add("math", math, math == 0 ? 0 : math < 2 ? 1 : 2);
  int reasoning = count_cues(lower, kReasoningCues);
  add("reasoning_cues", reasoning, std::min(reasoning, 3) * 1.0);
  int expert = count_cues(lower, kExpertCues);
  add("expert_cues", expert, std::min(expert, 4) * 1.5);

  // Several asks in one prompt: sentences, questions and "then"s.
  double asks = static_cast<double>(std::count(lower.begin(), lower.end(), '?')) +
                static_cast<double>(std::count(lower.begin(), lower.end(), '.')) / 2;
  for (std::size_t at = lower.find(", then"); at != std::string::npos; at = lower.find(", then", at + 1))
    asks += 1;
  add("asks", asks, asks >= 5 ? 1.5 : asks >= 3 ? 1 : 0);
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

  c.tier = c.score < 1.5 ? Tier::simple
           : c.score < 5 ? Tier::moderate
           : c.score < 9 ? Tier::complex
                         : Tier::expert;
  return c;
}

}  // namespace modelmux::routing
