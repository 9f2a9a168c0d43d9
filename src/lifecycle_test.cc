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
  static Lifecycle::Options Options() {
    Lifecycle::Options options;
    options.idle_timeout = minutes(25);
    options.stop_retry = seconds(30);
    options.join_timeout = std::chrono::hours(10);
    return options;
  }
  LifecycleTest()
      : lifecycle_(
            Options(),
            [this](Phase from, Phase to, const std::string& reason) {
              log_.push_back(Lifecycle::FormatTransition(from, to, reason));
            },
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
  EXPECT_EQ(lifecycle_.NextWakeup(), now_ - minutes(60) + std::chrono::hours(10));  // join timeout
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

TEST_F(LifecycleTest, ARestartedAgentResumesTheIdleClock) {
  lifecycle_.ResumeIdleFrom(now_ - minutes(20));  // the ledger says: idle for 20 minutes already
  See(true, 0, 0);
  EXPECT_EQ(lifecycle_.IdleDeadline(), now_ + minutes(5));
  EXPECT_EQ(log_.back(),
            "lifecycle: Joining -> Idle (joined the pool; no claims; idle clock "
            "resumed at 20m0s)");
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

namespace osg {
namespace {

class LifecycleLimitsTest : public ::testing::Test {
 protected:
  // The default options, changed by `edit`.
  Lifecycle Make(const std::function<void(Lifecycle::Options&)>& edit) {
    Lifecycle::Options options;
    edit(options);
    return Lifecycle(
        options,
        [this](Phase from, Phase to, const std::string& reason) {
          log_.push_back(Lifecycle::FormatTransition(from, to, reason));
        },
        now_);
  }
  TimePoint now_ = TimePoint() + std::chrono::hours(1000);
  std::vector<std::string> log_;
};

TEST_F(LifecycleLimitsTest, NeverJoiningShutsDownAtTheJoinTimeout) {
  Lifecycle lifecycle =
      Make([](Lifecycle::Options& o) { o.join_timeout = std::chrono::minutes(30); });
  EXPECT_EQ(lifecycle.NextWakeup(), now_ + std::chrono::minutes(30));
  EXPECT_TRUE(lifecycle.Tick(now_ + std::chrono::minutes(29)).empty());
  EXPECT_THAT(lifecycle.Tick(now_ + std::chrono::minutes(30)), ElementsAre(Action::kShutdown));
  EXPECT_EQ(lifecycle.shutdown_reason(), "never joined the pool in 30m0s");
}

TEST_F(LifecycleLimitsTest, AcceptWindowEndRetiresBusyWorkerAfterItsJobs) {
  Lifecycle lifecycle =
      Make([](Lifecycle::Options& o) { o.accept_window = std::chrono::hours(2); });
  lifecycle.Observe({true, 1, 1}, now_);
  TimePoint window_end = now_ + std::chrono::hours(2);
  EXPECT_EQ(lifecycle.NextWakeup(), window_end);
  EXPECT_TRUE(lifecycle.Tick(window_end).empty());
  EXPECT_EQ(lifecycle.phase(), Phase::kRetiring);
  // The job ends: no idle timeout to wait for, the stop begins at once.
  EXPECT_THAT(lifecycle.Observe({true, 0, 0}, window_end + std::chrono::minutes(5)),
              ElementsAre(Action::kStopAccepting));
  // A claim that slipped in keeps it retiring, with START left off.
  EXPECT_TRUE(lifecycle.StopConfirmed({true, 1, 0}, window_end + std::chrono::minutes(5)).empty());
  EXPECT_EQ(lifecycle.phase(), Phase::kRetiring);
  EXPECT_THAT(lifecycle.Observe({true, 0, 0}, window_end + std::chrono::minutes(6)),
              ElementsAre(Action::kStopAccepting));
  EXPECT_THAT(lifecycle.StopConfirmed({true, 0, 0}, window_end + std::chrono::minutes(6)),
              ElementsAre(Action::kShutdown));
}

TEST_F(LifecycleLimitsTest, AcceptWindowEndStopsAnIdleWorkerAtOnce) {
  Lifecycle lifecycle =
      Make([](Lifecycle::Options& o) { o.accept_window = std::chrono::hours(2); });
  lifecycle.Observe({true, 0, 0}, now_ + std::chrono::hours(1) + std::chrono::minutes(50));
  EXPECT_THAT(lifecycle.Tick(now_ + std::chrono::hours(2)), ElementsAre(Action::kStopAccepting));
  EXPECT_THAT(log_.back(), ::testing::HasSubstr("accept window of 2h0m0s is over, no claims"));
}

TEST_F(LifecycleLimitsTest, LifetimeCapStopsEvenBusyAfterTheRetirementTime) {
  Lifecycle lifecycle = Make([](Lifecycle::Options& o) {
    o.max_lifetime = std::chrono::hours(4);
    o.retirement_time = std::chrono::minutes(30);
  });
  lifecycle.Observe({true, 1, 1}, now_);
  TimePoint cap = now_ + std::chrono::hours(4);
  EXPECT_EQ(lifecycle.RetireTime(), cap);
  EXPECT_TRUE(lifecycle.Tick(cap).empty());
  EXPECT_EQ(lifecycle.phase(), Phase::kRetiring);
  EXPECT_EQ(lifecycle.NextWakeup(), cap + std::chrono::minutes(30));
  EXPECT_TRUE(lifecycle.Tick(cap + std::chrono::minutes(29)).empty());
  EXPECT_THAT(lifecycle.Tick(cap + std::chrono::minutes(30)), ElementsAre(Action::kShutdown));
  EXPECT_THAT(lifecycle.shutdown_reason(), ::testing::HasSubstr("maximum lifetime"));
}

TEST_F(LifecycleLimitsTest, LifetimeCapAlsoBoundsAWorkerRetiredByItsWindow) {
  Lifecycle lifecycle = Make([](Lifecycle::Options& o) {
    o.accept_window = std::chrono::hours(1);
    o.max_lifetime = std::chrono::hours(3);
    o.retirement_time = std::chrono::minutes(10);
  });
  lifecycle.Observe({true, 1, 1}, now_);
  lifecycle.Tick(now_ + std::chrono::hours(1));
  EXPECT_EQ(lifecycle.phase(), Phase::kRetiring);
  EXPECT_TRUE(lifecycle.Tick(now_ + std::chrono::hours(3)).empty());
  EXPECT_THAT(lifecycle.Tick(now_ + std::chrono::hours(3) + std::chrono::minutes(10)),
              ElementsAre(Action::kShutdown));
}

}  // namespace
}  // namespace osg
