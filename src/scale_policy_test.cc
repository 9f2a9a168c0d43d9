#include "scale_policy.h"

#include <gtest/gtest.h>

namespace osg {
namespace {

constexpr int64_t kNow = 1'800'000'000;

ScaledWorker Worker(const std::string& id, ScaledWorker::Cloud cloud, bool joined,
                    int64_t age = 60) {
  return {id, cloud, joined, kNow - age};
}

ScaleLimits Limits(int max_workers) {
  ScaleLimits limits;
  limits.max_workers = max_workers;
  return limits;
}

ScaleInputs Demand(int cores, std::vector<ScaledWorker> workers = {}) {
  ScaleInputs inputs;
  inputs.now = kNow;
  inputs.demand_cores = cores;
  inputs.workers = std::move(workers);
  return inputs;
}

// The loop: 12 one-core jobs for the group, --max 3.
TEST(DecideScale, LaunchesUpToTheMaximumAndNoMore) {
  ScaleDecision first = DecideScale(Limits(3), Demand(12));
  EXPECT_EQ(first.launch, 3);
  EXPECT_EQ(first.LogLine(12),
            "scale: demand 12 cores, 0 running, 0 booting: launch 3 (12 wanted for the demand, at "
            "most 3)");
  ScaleInputs later = Demand(12, {Worker("a", ScaledWorker::Cloud::kBooting, false),
                                  Worker("b", ScaledWorker::Cloud::kActive, true),
                                  Worker("c", ScaledWorker::Cloud::kActive, true)});
  ScaleDecision full = DecideScale(Limits(3), later);
  EXPECT_EQ(full.launch, 0);
  EXPECT_EQ(full.running, 2);
  EXPECT_EQ(full.booting, 1);
  EXPECT_EQ(full.why, "at the maximum of 3 workers");
}

// min(max - (running + booting), ceil(demand / cores per worker) - booting)
TEST(DecideScale, CountsWorkersByTheirCoresAndTheBootingOnesAsComing) {
  ScaleLimits limits = Limits(10);
  limits.cores_per_worker = 4;
  ScaleInputs inputs = Demand(10, {Worker("a", ScaledWorker::Cloud::kActive, true),
                                   Worker("b", ScaledWorker::Cloud::kBooting, false)});
  EXPECT_EQ(DecideScale(limits, inputs).launch, 2);  // ceil(10 / 4) = 3, one booting
  inputs.demand_cores = 4;
  ScaleDecision covered = DecideScale(limits, inputs);
  EXPECT_EQ(covered.launch, 0);
  EXPECT_EQ(covered.why, "the booting workers cover the demand");
  inputs.demand_cores = 0;
  EXPECT_EQ(DecideScale(limits, inputs).why, "no idle job for this group");
}

TEST(DecideScale, BootsAtMostTheLimitAtOnce) {
  ScaleLimits limits = Limits(20);
  limits.max_booting = 2;
  EXPECT_EQ(DecideScale(limits, Demand(12)).launch, 2);
  ScaleDecision waiting =
      DecideScale(limits, Demand(12, {Worker("a", ScaledWorker::Cloud::kBooting, false),
                                      Worker("b", ScaledWorker::Cloud::kBooting, false)}));
  EXPECT_EQ(waiting.launch, 0);
  EXPECT_EQ(waiting.why, "2 booting, the limit is 2");
}

TEST(DecideScale, AWorkerNotJoinedInTimeIsDeletedAndStopsLaunching) {
  ScaleLimits limits = Limits(5);
  limits.join_timeout = 600;
  ScaleDecision decision = DecideScale(
      limits, Demand(12, {Worker("late", ScaledWorker::Cloud::kActive, false, 601),
                          Worker("young", ScaledWorker::Cloud::kBooting, false, 599)}));
  EXPECT_EQ(decision.launch, 0);
  ASSERT_EQ(decision.deletions.size(), 1u);
  EXPECT_EQ(decision.deletions[0].id, "late");
  EXPECT_EQ(decision.deletions[0].reason, "not joined 601 s after its launch (join timeout 600 s)");
  EXPECT_EQ(decision.booting, 1);
  EXPECT_EQ(decision.why, "a worker did not join in time: none launched until it is deleted");
}

// A wrong token: no storm of workers that never join, one at a time until one joins.
TEST(DecideScale, AfterAFailedJoinWorkersGoOneAtATime) {
  ScaleInputs inputs = Demand(12);
  inputs.join_failed_since_last_join = true;
  EXPECT_EQ(DecideScale(Limits(5), inputs).launch, 1);
  inputs.workers = {Worker("probe", ScaledWorker::Cloud::kBooting, false)};
  ScaleDecision waiting = DecideScale(Limits(5), inputs);
  EXPECT_EQ(waiting.launch, 0);
  EXPECT_EQ(waiting.why, "1 booting, the limit after a failed join is 1");
}

TEST(DecideScale, DeletesOrphansAndDoesNotCountThem) {
  ScaleDecision decision =
      DecideScale(Limits(3), Demand(3, {Worker("s", ScaledWorker::Cloud::kStopped, false),
                                        Worker("h", ScaledWorker::Cloud::kShelved, false),
                                        Worker("e", ScaledWorker::Cloud::kError, true)}));
  ASSERT_EQ(decision.deletions.size(), 3u);
  EXPECT_EQ(decision.deletions[0].reason, "orphan: stopped");
  EXPECT_EQ(decision.deletions[1].reason, "orphan: shelved");
  EXPECT_EQ(decision.deletions[2].reason, "orphan: in error");
  EXPECT_EQ(decision.running + decision.booting, 0);
  EXPECT_EQ(decision.launch, 3);
}

TEST(DecideScale, StopsAtTheBudgetUntilItIsRaised) {
  ScaleLimits limits = Limits(3);
  limits.budget_sus = 100;
  ScaleInputs inputs = Demand(12);
  inputs.used_sus = 100;
  ScaleDecision spent = DecideScale(limits, inputs);
  EXPECT_EQ(spent.launch, 0);
  EXPECT_EQ(spent.why, "budget reached: 100.0 of 100.0 SUs used");
  limits.budget_sus = 150;
  EXPECT_EQ(DecideScale(limits, inputs).launch, 3);
}

TEST(DecideScale, WaitsForTheCooldownBetweenLaunches) {
  ScaleLimits limits = Limits(3);
  limits.cooldown = 120;
  ScaleInputs inputs = Demand(12, {Worker("a", ScaledWorker::Cloud::kActive, true)});
  inputs.last_launch = kNow - 100;
  ScaleDecision cooling = DecideScale(limits, inputs);
  EXPECT_EQ(cooling.launch, 0);
  EXPECT_EQ(cooling.why, "cooling down: the next launch in 20 s");
  inputs.last_launch = kNow - 120;
  EXPECT_EQ(DecideScale(limits, inputs).launch, 2);
}

}  // namespace
}  // namespace osg
