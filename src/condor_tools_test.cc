#include "condor_tools.h"

#include <gtest/gtest.h>

namespace osg {
namespace {

TEST(CountSlots, CountsClaimsAndJobsOfDynamicSlots) {
  // A partitionable slot stays Unclaimed; each claim is a dynamic slot of its own.
  Observation o = CountSlots("Unclaimed Idle\nClaimed Busy\nClaimed Idle\nMatched Idle\n");
  EXPECT_EQ(o.claims, 3);
  EXPECT_EQ(o.jobs, 1);
  EXPECT_FALSE(CountSlots("Unclaimed Idle\n").Busy());
  EXPECT_FALSE(CountSlots("").Busy());
  EXPECT_EQ(CountSlots("Claimed Retiring\n").jobs, 1);
}

}  // namespace
}  // namespace osg
