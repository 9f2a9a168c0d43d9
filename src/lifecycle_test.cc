#include "lifecycle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osg {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;

// A fake clock: tests move time by hand; nothing sleeps.
class LifecycleTest : public ::testing::Test {
 protected:
  LifecycleTest()
      : lifecycle_(
            {minutes(25), seconds(30)}, [this](const std::string& line) { log_.push_back(line); },
            now_) {}

  void Advance(Clock::duration by) { now_ += by; }
  std::vector<Action> See(bool joined, int claims, int jobs) {
    return lifecycle_.Observe({joined, claims, jobs}, now_);
  }
  std::vector<Action> Tick() { return lifecycle_.Tick(now_); }

  TimePoint now_ = TimePoint() + std::chrono::hours(1000);
  std::vector<std::string> log_;
  Lifecycle lifecycle_;
};

TEST_F(LifecycleTest, IdleTimeCountsOnlyAfterJoining) {
  Advance(minutes(60));
  EXPECT_TRUE(Tick().empty());
  EXPECT_EQ(lifecycle_.phase(), Phase::kJoining);
  EXPECT_EQ(lifecycle_.NextWakeup(), std::nullopt);
  See(true, 0, 0);
  EXPECT_EQ(lifecycle_.phase(), Phase::kIdle);
  EXPECT_EQ(lifecycle_.IdleDeadline(), now_ + minutes(25));
}

TEST_F(LifecycleTest, StopsAtTheDeadlineNotBefore) {
  See(true, 0, 0);
  Advance(minutes(25) - seconds(1));
  EXPECT_TRUE(Tick().empty());
  Advance(seconds(1));
  EXPECT_THAT(Tick(), ElementsAre(Action::kStopAccepting));
  EXPECT_EQ(lifecycle_.phase(), Phase::kStopping);
  EXPECT_THAT(lifecycle_.StopConfirmed({true, 0, 0}, now_), ElementsAre(Action::kShutdown));
  EXPECT_EQ(lifecycle_.phase(), Phase::kShuttingDown);
  EXPECT_THAT(log_, ElementsAre("lifecycle: Joining -> Idle (joined the pool; no claims)",
                                "lifecycle: Idle -> Stopping (idle 25m0s, no claims; turning "
                                "START off)",
                                "lifecycle: Stopping -> ShuttingDown (START is off and no claim "
                                "is held; idle 25m0s)"));
}

TEST_F(LifecycleTest, ABusyPeriodRestartsTheIdleClock) {
  See(true, 0, 0);
  Advance(minutes(20));
  See(true, 1, 1);
  Advance(minutes(60));  // a job running past the timeout
  EXPECT_TRUE(Tick().empty());
  EXPECT_EQ(lifecycle_.phase(), Phase::kBusy);
  See(true, 0, 0);
  TimePoint finished = now_;
  Advance(minutes(24));
  EXPECT_TRUE(Tick().empty());
  Advance(minutes(1));
  EXPECT_THAT(Tick(), ElementsAre(Action::kStopAccepting));
  EXPECT_EQ(now_ - finished, minutes(25));
}

TEST_F(LifecycleTest, AClaimThatWinsTheRaceKeepsTheMachine) {
  See(true, 0, 0);
  Advance(minutes(25));
  EXPECT_THAT(Tick(), ElementsAre(Action::kStopAccepting));
  // The startd accepted a claim just before START went off.
  EXPECT_THAT(lifecycle_.StopConfirmed({true, 1, 0}, now_), ElementsAre(Action::kResumeAccepting));
  EXPECT_EQ(lifecycle_.phase(), Phase::kBusy);
  EXPECT_EQ(log_.back(),
            "lifecycle: Stopping -> Busy (a claim won the race with the stop; 1 "
            "claims, 0 jobs)");
  See(true, 0, 0);  // the claim ends: the clock starts again from here
  EXPECT_EQ(lifecycle_.IdleDeadline(), now_ + minutes(25));
}

TEST_F(LifecycleTest, ObservationsDuringTheStopAreIgnoredUntilConfirmed) {
  See(true, 0, 0);
  Advance(minutes(25));
  Tick();
  EXPECT_TRUE(See(true, 1, 1).empty());
  EXPECT_EQ(lifecycle_.phase(), Phase::kStopping);
}

TEST_F(LifecycleTest, AFailedStopIsRetriedLater) {
  See(true, 0, 0);
  Advance(minutes(25));
  Tick();
  EXPECT_THAT(lifecycle_.StopFailed("condor_reconfig failed", now_),
              ElementsAre(Action::kResumeAccepting));
  EXPECT_EQ(lifecycle_.phase(), Phase::kIdle);
  EXPECT_TRUE(Tick().empty());
  Advance(seconds(30));
  EXPECT_THAT(Tick(), ElementsAre(Action::kStopAccepting));
}

TEST_F(LifecycleTest, ShuttingDownIsFinal) {
  See(true, 0, 0);
  Advance(minutes(25));
  Tick();
  lifecycle_.StopConfirmed({true, 0, 0}, now_);
  See(true, 1, 1);
  Advance(minutes(100));
  EXPECT_TRUE(Tick().empty());
  EXPECT_EQ(lifecycle_.phase(), Phase::kShuttingDown);
}

}  // namespace
}  // namespace osg
