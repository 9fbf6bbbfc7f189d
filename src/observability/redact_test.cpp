// Upstream error messages as clients and logs see them: bounded, without configured secrets, credentials,
// internal addresses or source paths; and how much of them goes out at each detail level.
#include "observability/redact.hpp"

#include <gtest/gtest.h>

using modelmux::observability::Redactor;
using modelmux::observability::UpstreamDetail;

TEST(Redactor, ConfiguredSecretsNeverGoOut) {
  Redactor r(UpstreamDetail::full, {"my-house-key-42", "", "abc"});
  EXPECT_EQ(r.upstream_message("bad key my-house-key-42 (twice: my-house-key-42)", "x"),
            "bad key [redacted] (twice: [redacted])");
  EXPECT_EQ(r.scrub("abc is too short to be a secret"), "abc is too short to be a secret");
}

TEST(Redactor, CredentialsInternalAddressesAndPathsAreScrubbed) {
  Redactor r(UpstreamDetail::scrubbed, {});
  std::string msg = r.upstream_message(
      "Incorrect API key provided: sk-proj-AbCdEf0123456789xyz. backend 10.2.3.4:8000 and "
      "http://llm-backend:9000/v1 "
      "failed in /srv/app/handlers/chat.py line 42; Authorization: Bearer "
      "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl; "
      "AKIAIOSFODNN7EXAMPLE; AIzaSyA-1234567890abcdefghij; api_key=hunter2hunter2",
      "x");
  for (const char* gone : {"sk-proj", "10.2.3.4", "llm-backend", "chat.py", "eyJ", "AKIA", "AIza", "hunter2"})
    EXPECT_EQ(msg.find(gone), std::string::npos) << gone << " in: " << msg;
  EXPECT_NE(msg.find("Incorrect API key provided"), std::string::npos) << msg;
  // What is useful stays: a public documentation link, a context-length message.
  EXPECT_EQ(r.upstream_message(
                "maximum context length is 128000 tokens, see https://platform.openai.com/docs", "x"),
            "maximum context length is 128000 tokens, see https://platform.openai.com/docs");
}

TEST(Redactor, MessagesAreBoundedWithoutSplittingACharacter) {
  Redactor scrubbed(UpstreamDetail::scrubbed, {});
  std::string huge(900'000, 'x');
  EXPECT_LE(scrubbed.upstream_message(huge, "x").size(), 1004u);
  Redactor full(UpstreamDetail::full, {});
  EXPECT_LE(full.upstream_message(huge, "x").size(), 4004u);
  std::string accents;
  for (int i = 0; i < 600; ++i) accents += "é";
  std::string cut = scrubbed.upstream_message(accents, "x");
  EXPECT_EQ((cut.size() - 3) % 2, 0u) << "ends inside a two-byte character";
}

TEST(Redactor, NoneShowsOnlyWhatFailed) {
  Redactor r(UpstreamDetail::none, {});
  EXPECT_EQ(r.upstream_message("internal stack trace", "openai/gpt-4o failed (invalid_request)"),
            "openai/gpt-4o failed (invalid_request)");
}
