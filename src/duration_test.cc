#include "duration.h"

#include <gtest/gtest.h>

namespace osg {
namespace {

TEST(ParseDuration, AcceptsUnitsAndSums) {
  EXPECT_EQ(ParseDuration("90s"), Seconds(90));
  EXPECT_EQ(ParseDuration("25m"), Seconds(1500));
  EXPECT_EQ(ParseDuration("2h"), Seconds(7200));
  EXPECT_EQ(ParseDuration("7d"), Seconds(7 * 86400));
  EXPECT_EQ(ParseDuration("1h30m"), Seconds(5400));
  EXPECT_EQ(ParseDuration("25M"), Seconds(1500));
}

TEST(ParseDuration, RefusesAmbiguousOrMalformed) {
  for (const char* bad : {"", "25", "m", "25 m", "-5m", "5x", "1.5h", "99999999999999d"}) {
    EXPECT_EQ(ParseDuration(bad), std::nullopt) << bad;
  }
}

// Found by fuzz/duration_fuzz: each number was capped, their sum was not, and steady_clock
// (nanoseconds) overflowed adding it to a time point.
TEST(ParseDuration, RefusesMoreThanACentury) {
  EXPECT_EQ(ParseDuration("36500d"), Seconds(100LL * 365 * 86400));
  EXPECT_EQ(ParseDuration("36500d1s"), std::nullopt);
  EXPECT_EQ(ParseDuration("9999999d"), std::nullopt);
}

TEST(FormatDuration, IsStable) {
  EXPECT_EQ(FormatDuration(Seconds(1500)), "25m0s");
  EXPECT_EQ(FormatDuration(Seconds(45)), "45s");
  EXPECT_EQ(FormatDuration(Seconds(7200)), "2h0m0s");
  EXPECT_EQ(FormatDuration(Seconds(86400 + 61)), "1d0h1m1s");
  EXPECT_EQ(FormatDuration(Seconds(-5)), "-5s");
}

}  // namespace
}  // namespace osg
