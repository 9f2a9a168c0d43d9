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

}  // namespace
}  // namespace osg
