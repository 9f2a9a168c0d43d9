#include "condor_tools.h"

#include <gtest/gtest.h>

namespace osg {
namespace {

TEST(CountSlots, CountsClaimsAndJobsOfDynamicSlots) {
  // A partitionable slot stays Unclaimed; each claim is a dynamic slot of its own.
  Observation o = CountSlots(
      "Unclaimed\tIdle\tundefined\tundefined\tundefined\t2\n"
      "Claimed\tBusy\t12.0\tresearcher@osgpool.test\tTG-NNNNNN\t1\n"
      "Claimed\tIdle\tundefined\tundefined\tundefined\t1\n"
      "Matched\tIdle\tundefined\tundefined\tundefined\t1\n");
  EXPECT_EQ(o.claims, 3);
  EXPECT_EQ(o.jobs, 1);
  EXPECT_EQ(o.cores_claimed, 3);  // the partitionable slot's 2 free cores are not claimed
  ASSERT_EQ(o.running.size(), 1u);
  EXPECT_EQ(o.running[0], (RunningJob{"12.0", "researcher@osgpool.test", "TG-NNNNNN", 1}));
  EXPECT_FALSE(CountSlots("Unclaimed\tIdle\n").Busy());
  EXPECT_FALSE(CountSlots("").Busy());
  EXPECT_EQ(CountSlots("Claimed\tRetiring\t3.0\tu\tundefined\t2\n").running[0].project, "");
}

}  // namespace
}  // namespace osg
