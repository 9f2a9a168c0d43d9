#include "text.h"

#include <gtest/gtest.h>

#include <string>

namespace osg {
namespace {

TEST(Shortened, KeepsShortTextWhole) {
  EXPECT_EQ(Shortened(""), "");
  std::string exactly(kMaxQuotedText, 'a');
  EXPECT_EQ(Shortened(exactly), exactly);
}

TEST(Shortened, CutsLongTextAndSaysSo) {
  std::string cut = Shortened(std::string(kMaxQuotedText + 1, 'a'));
  EXPECT_EQ(cut, std::string(kMaxQuotedText, 'a') + "...");
}

// A cut inside a multi-byte character would leave invalid UTF-8 in the log and the ledger.
TEST(Shortened, CutsBetweenCharacters) {
  std::string text = std::string(kMaxQuotedText - 1, 'a') + "\xC3\xA9" + "tail";  // "é" straddles
  std::string cut = Shortened(text);
  EXPECT_EQ(cut, std::string(kMaxQuotedText - 1, 'a') + "...");
  EXPECT_TRUE(IsValidUtf8(cut));
  std::string euros;
  while (euros.size() < 2 * kMaxQuotedText) euros += "\xE2\x82\xAC";  // "€", three bytes each
  cut = Shortened(euros);
  EXPECT_TRUE(IsValidUtf8(cut)) << cut;
  EXPECT_LE(cut.size(), kMaxQuotedText + 3);
}

TEST(IsUrlSafeName, TakesCloudNames) {
  EXPECT_TRUE(IsUrlSafeName("i-1234567890abcdef0", 64));
  EXPECT_TRUE(IsUrlSafeName("us-east-1", 32));
  EXPECT_TRUE(IsUrlSafeName("83679162-1378-4288-a2d4-70e13ec132aa", 64));
  EXPECT_TRUE(IsUrlSafeName("my_project.x:y", 128, "-.:_"));
}

TEST(IsUrlSafeName, RefusesWhatWouldAimTheRequestElsewhere) {
  for (const char* name :
       {"", "evil.example/x", "a?b", "user@host", "%2e%2e", "..", "a b", "caf\xC3\xA9", "a\nb"}) {
    EXPECT_FALSE(IsUrlSafeName(name, 64)) << name;
  }
  EXPECT_FALSE(IsUrlSafeName(std::string(65, 'a'), 64));
  EXPECT_FALSE(IsUrlSafeName("a.b", 64));  // '.' only where `also` allows it
}

}  // namespace
}  // namespace osg
