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

TEST(CountSlots, KeepsClaimAndJobDetails) {
  Observation o = CountSlots(
      "Unclaimed\tIdle\tundefined\tundefined\tundefined\t2\tundefined\tslot1@w\tundefined\n"
      "Claimed\tBusy\t12.0\tr@osgpool.test\tTG-1\t1\tcm#12.0#17\tslot1_1@w\t<10.0.0.1:9618>#17#1#.."
      ".\n"
      "Matched\tIdle\tundefined\tundefined\tundefined\t1\tundefined\tslot1_2@w\tundefined\n");
  ASSERT_EQ(o.held.size(), 2u);
  EXPECT_EQ(o.held[0], (HeldClaim{"slot1_1@w", "<10.0.0.1:9618>#17#1#...", "r@osgpool.test", 1}));
  EXPECT_EQ(o.held[1], (HeldClaim{"slot1_2@w", "", "", 1}));
  ASSERT_EQ(o.running.size(), 1u);
  EXPECT_EQ(o.running[0].global_job_id, "cm#12.0#17");
}

TEST(AdSerials, ParsedComparedAndDescribed) {
  EXPECT_EQ(ParseAdSerials("3\nundefined\n\n12\n"), (std::vector<int64_t>{3, kNoSerial, 12}));
  EXPECT_TRUE(AdsCurrent({3, 3}, 3));
  EXPECT_FALSE(AdsCurrent({3, 2}, 3)) << "a stale dynamic slot";
  EXPECT_FALSE(AdsCurrent({}, 3)) << "a collector that lists no copy";
  EXPECT_FALSE(AdsCurrent({kNoSerial}, 0));
  EXPECT_EQ(DescribeAdSerials({2}), "OSGWorkerAdSerial 2");
  EXPECT_EQ(DescribeAdSerials({3, 2, 4}), "OSGWorkerAdSerial 2, OSGWorkerAdSerial 3 and OSGWorkerAdSerial 4");
  EXPECT_EQ(DescribeAdSerials({}), "no copy");
  EXPECT_EQ(DescribeAdSerials({kNoSerial}), "a copy without OSGWorkerAdSerial");
}

TEST(ParseJobExit, ReadsTheHistoryLine) {
  std::optional<JobExit> exit = ParseJobExit("false\t3\tundefined\tOF_ITS_OWN_ACCORD\n");
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_FALSE(exit->exit_signal);
  EXPECT_EQ(exit->how, "OF_ITS_OWN_ACCORD");
  exit = ParseJobExit("true\tundefined\t9\tundefined");
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exit_signal, 9);
  EXPECT_FALSE(exit->exit_code);
  EXPECT_EQ(exit->how, "");
  EXPECT_FALSE(ParseJobExit(""));
  EXPECT_FALSE(ParseJobExit("undefined\tundefined\tundefined\tundefined"));
  EXPECT_FALSE(ParseJobExit("false\t1x\tundefined"));
}

}  // namespace
}  // namespace osg
