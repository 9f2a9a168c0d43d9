#include "redact.h"

#include <gtest/gtest.h>

namespace osg {
namespace {

TEST(RedactSecrets, ReplacesEveryOccurrence) {
  EXPECT_EQ(RedactSecrets("token s3cr3t and s3cr3t again", {"s3cr3t"}),
            "token [redacted] and [redacted] again");
  EXPECT_EQ(RedactSecrets("a-KEY b-TOK", {"KEY", "", "TOK"}), "a-[redacted] b-[redacted]");
  EXPECT_EQ(RedactSecrets("nothing here", {"s3cr3t", ""}), "nothing here");
}

// The earlier loops searched from the start after each replacement: a secret that "[redacted]"
// contains (a one-letter token "e") was replaced forever, and the agent hung.
TEST(RedactSecrets, EndsWhenTheMarkerSpellsTheSecret) {
  std::string out = RedactSecrets("the token e was refused", {"e"});
  EXPECT_EQ(out.find('e'), std::string::npos) << out;
  out = RedactSecrets("Keystone said: red", {"red"});
  EXPECT_EQ(out.find("red"), std::string::npos) << out;
  EXPECT_FALSE(out.empty());
}

// A replacement followed by the text after it can spell the secret anew ("]ab" in "]abab").
TEST(RedactSecrets, NoSecretAcrossAReplacement) {
  std::string out = RedactSecrets("x]ababy", {"]ab"});
  EXPECT_EQ(out.find("]ab"), std::string::npos) << out;
  out = RedactSecrets("x]ababy", {"]ab", "w"});
  EXPECT_EQ(out.find("]ab"), std::string::npos) << out;
  EXPECT_EQ(out.find("w"), std::string::npos) << out;
}

}  // namespace
}  // namespace osg
