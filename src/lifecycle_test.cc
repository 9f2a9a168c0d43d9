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
    options.condor_timeout = std::chrono::hours(10);
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
    options.condor_timeout = std::chrono::hours(100);  // tests of it set their own
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

TEST_F(LifecycleLimitsTest, NeverJoiningStopsAtTheJoinTimeoutThroughTheStopSequence) {
  Lifecycle lifecycle =
      Make([](Lifecycle::Options& o) { o.join_timeout = std::chrono::minutes(30); });
  EXPECT_EQ(lifecycle.NextWakeup(), now_ + std::chrono::minutes(30));
  EXPECT_TRUE(lifecycle.Tick(now_ + std::chrono::minutes(29)).empty());
  EXPECT_THAT(lifecycle.Tick(now_ + std::chrono::minutes(30)),
              ElementsAre(Action::kStopAccepting));
  EXPECT_EQ(lifecycle.phase(), Phase::kStopping);
  EXPECT_THAT(lifecycle.StopConfirmed({false, 0, 0}, now_ + std::chrono::minutes(30)),
              ElementsAre(Action::kShutdown));
  EXPECT_EQ(lifecycle.shutdown_reason(),
            "never joined the pool in 30m0s; START is off and no claim is held");
}

// Finding 2: the collector query says "not joined" (refused, or the pool down after an agent
// restart) while the startd runs jobs: the claim proves the worker joined, and no timeout
// shuts it down under its jobs.
TEST_F(LifecycleLimitsTest, AClaimProvesTheWorkerJoinedWhateverTheProbeSays) {
  Lifecycle lifecycle =
      Make([](Lifecycle::Options& o) { o.join_timeout = std::chrono::minutes(30); });
  EXPECT_TRUE(lifecycle.Observe({false, 1, 1}, now_ + std::chrono::minutes(1)).empty());
  EXPECT_EQ(lifecycle.phase(), Phase::kBusy);
  EXPECT_THAT(log_.back(), ::testing::HasSubstr("Joining -> Busy (holds a claim; 1 claims"));
  EXPECT_TRUE(lifecycle.Tick(now_ + std::chrono::minutes(31)).empty());
  EXPECT_EQ(lifecycle.phase(), Phase::kBusy);
}

TEST_F(LifecycleLimitsTest, AClaimThatWinsTheJoinTimeoutStopKeepsTheWorker) {
  Lifecycle lifecycle =
      Make([](Lifecycle::Options& o) { o.join_timeout = std::chrono::minutes(30); });
  TimePoint timeout = now_ + std::chrono::minutes(30);
  EXPECT_THAT(lifecycle.Tick(timeout), ElementsAre(Action::kStopAccepting));
  EXPECT_THAT(lifecycle.StopConfirmed({false, 1, 1}, timeout),
              ElementsAre(Action::kResumeAccepting));
  EXPECT_EQ(lifecycle.phase(), Phase::kBusy);
}

TEST_F(LifecycleLimitsTest, AFailedJoinTimeoutStopIsRetriedFromJoining) {
  Lifecycle lifecycle =
      Make([](Lifecycle::Options& o) { o.join_timeout = std::chrono::minutes(30); });
  TimePoint timeout = now_ + std::chrono::minutes(30);
  lifecycle.Tick(timeout);
  EXPECT_THAT(lifecycle.StopFailed("condor_reconfig failed", timeout),
              ElementsAre(Action::kResumeAccepting));
  EXPECT_EQ(lifecycle.phase(), Phase::kJoining);
  EXPECT_EQ(lifecycle.NextWakeup(), timeout + std::chrono::seconds(30));
  EXPECT_TRUE(lifecycle.Tick(timeout + std::chrono::seconds(29)).empty());
  EXPECT_THAT(lifecycle.Tick(timeout + std::chrono::seconds(30)),
              ElementsAre(Action::kStopAccepting));
}

TEST_F(LifecycleLimitsTest, AcceptWindowEndRetiresBusyWorkerAfterItsJobs) {
  Lifecycle lifecycle =
      Make([](Lifecycle::Options& o) { o.accept_window = std::chrono::hours(2); });
  lifecycle.Observe({true, 1, 1}, now_);
  TimePoint window_end = now_ + std::chrono::hours(2);
  EXPECT_EQ(lifecycle.NextWakeup(), window_end);
  // Retiring turns START off at once: no new job starts on a retiring worker.
  EXPECT_THAT(lifecycle.Tick(window_end), ElementsAre(Action::kStopAccepting));
  EXPECT_EQ(lifecycle.phase(), Phase::kRetiring);
  EXPECT_TRUE(lifecycle.StopConfirmed({true, 1, 1}, window_end).empty());
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

// Finding 1: the lifetime cap on a busy worker turned nothing off, and a partitionable slot took
// new jobs for the whole retirement time, each one killed at the hard deadline.
TEST_F(LifecycleLimitsTest, LifetimeCapOnABusyWorkerTurnsStartOff) {
  Lifecycle lifecycle = Make([](Lifecycle::Options& o) {
    o.max_lifetime = std::chrono::hours(4);
    o.retirement_time = std::chrono::minutes(30);
  });
  lifecycle.Observe({true, 1, 1}, now_);
  TimePoint cap = now_ + std::chrono::hours(4);
  EXPECT_THAT(lifecycle.Tick(cap), ElementsAre(Action::kStopAccepting));
  EXPECT_EQ(lifecycle.phase(), Phase::kRetiring);
  EXPECT_THAT(log_.back(), ::testing::HasSubstr("START off, running jobs finish first"));
}

TEST_F(LifecycleLimitsTest, AFailedRetirementStopIsRetried) {
  Lifecycle lifecycle =
      Make([](Lifecycle::Options& o) { o.accept_window = std::chrono::hours(2); });
  lifecycle.Observe({true, 1, 1}, now_);
  TimePoint window_end = now_ + std::chrono::hours(2);
  lifecycle.Tick(window_end);
  EXPECT_TRUE(lifecycle.StopFailed("condor_reconfig failed", window_end).empty());
  EXPECT_EQ(lifecycle.phase(), Phase::kRetiring);
  EXPECT_EQ(lifecycle.NextWakeup(), window_end + std::chrono::seconds(30));
  EXPECT_THAT(lifecycle.Tick(window_end + std::chrono::seconds(30)),
              ElementsAre(Action::kStopAccepting));
  // START confirmed off while the job runs: nothing more until it ends.
  EXPECT_TRUE(lifecycle.StopConfirmed({true, 1, 1}, window_end + std::chrono::seconds(31)).empty());
  EXPECT_TRUE(lifecycle.Tick(window_end + std::chrono::minutes(10)).empty());
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
  EXPECT_THAT(lifecycle.Tick(cap), ElementsAre(Action::kStopAccepting));
  EXPECT_TRUE(lifecycle.StopConfirmed({true, 1, 1}, cap).empty());
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

// Finding 5: a startd that stops answering (HTCondor down, restarts failing) left a busy worker
// busy for ever.
TEST_F(LifecycleLimitsTest, ASilentStartdEndsInAShutdownAfterTheCondorTimeout) {
  Lifecycle lifecycle =
      Make([](Lifecycle::Options& o) { o.condor_timeout = std::chrono::minutes(30); });
  lifecycle.Observe({true, 1, 1}, now_ + std::chrono::minutes(10));
  EXPECT_EQ(lifecycle.NextWakeup(), now_ + std::chrono::minutes(40));
  EXPECT_TRUE(lifecycle.Tick(now_ + std::chrono::minutes(39)).empty());
  EXPECT_THAT(lifecycle.Tick(now_ + std::chrono::minutes(40)), ElementsAre(Action::kShutdown));
  EXPECT_EQ(lifecycle.shutdown_reason(), "HTCondor's startd has not answered for 30m0s");
}

TEST_F(LifecycleLimitsTest, AStartdThatNeverAnswersEndsInAShutdown) {
  Lifecycle lifecycle =
      Make([](Lifecycle::Options& o) { o.condor_timeout = std::chrono::minutes(20); });
  EXPECT_THAT(lifecycle.Tick(now_ + std::chrono::minutes(20)), ElementsAre(Action::kShutdown));
}

// Finding 5: in Idle, a stop that keeps failing was retried every 30 s for ever.
TEST_F(LifecycleLimitsTest, AStopThatKeepsFailingEndsInAShutdown) {
  Lifecycle lifecycle = Make([](Lifecycle::Options& o) {
    o.idle_timeout = std::chrono::minutes(25);
    o.condor_timeout = std::chrono::minutes(30);
  });
  lifecycle.Observe({true, 0, 0}, now_);
  TimePoint t = now_ + std::chrono::minutes(25);
  EXPECT_THAT(lifecycle.Tick(t), ElementsAre(Action::kStopAccepting));
  TimePoint first_failure = t;
  while (t < first_failure + std::chrono::minutes(30)) {
    lifecycle.StopFailed("condor_reconfig failed", t);
    lifecycle.Observe({true, 0, 0}, t);  // the startd answers; it only refuses the reconfig
    t += std::chrono::seconds(30);
    std::vector<Action> actions = lifecycle.Tick(t);
    if (actions == std::vector<Action>{Action::kShutdown}) break;
    ASSERT_THAT(actions, ElementsAre(Action::kStopAccepting));
  }
  EXPECT_EQ(lifecycle.phase(), Phase::kShuttingDown);
  EXPECT_EQ(t, first_failure + std::chrono::minutes(30));
  EXPECT_THAT(lifecycle.shutdown_reason(),
              ::testing::HasSubstr("START could not be turned off for 30m0s"));
}

TEST_F(LifecycleLimitsTest, AClaimEndsTheStopFailureCount) {
  Lifecycle lifecycle = Make([](Lifecycle::Options& o) {
    o.idle_timeout = std::chrono::minutes(25);
    o.condor_timeout = std::chrono::minutes(30);
  });
  lifecycle.Observe({true, 0, 0}, now_);
  TimePoint t = now_ + std::chrono::minutes(25);
  lifecycle.Tick(t);
  lifecycle.StopFailed("condor_reconfig failed", t);
  lifecycle.Observe({true, 1, 1}, t + std::chrono::minutes(1));
  lifecycle.Observe({true, 1, 1}, t + std::chrono::minutes(20));
  EXPECT_TRUE(lifecycle.Tick(t + std::chrono::minutes(31)).empty());
  EXPECT_EQ(lifecycle.phase(), Phase::kBusy);
}

// Finding 6: the deadlines count from the instance's first start (from the ledger), so an agent
// restart or a reboot does not give the instance a new accept window or lifetime.
TEST_F(LifecycleLimitsTest, DeadlinesCountFromTheInstanceStart) {
  TimePoint first_start = now_ - std::chrono::hours(3);
  Lifecycle::Options options;
  options.condor_timeout = std::chrono::hours(100);
  options.accept_window = std::chrono::hours(4);
  options.max_lifetime = std::chrono::hours(5);
  options.retirement_time = std::chrono::minutes(30);
  Lifecycle lifecycle(options, nullptr, {.now = now_, .instance_start = first_start});
  EXPECT_EQ(lifecycle.RetireTime(), first_start + std::chrono::hours(4));
  lifecycle.Observe({true, 1, 1}, now_);
  EXPECT_THAT(lifecycle.Tick(first_start + std::chrono::hours(4)),
              ElementsAre(Action::kStopAccepting));
  EXPECT_THAT(lifecycle.Tick(first_start + std::chrono::hours(5) + std::chrono::minutes(30)),
              ElementsAre(Action::kShutdown));
}

TEST_F(LifecycleLimitsTest, AnInstancePastItsHardDeadlineGoesAtOnce) {
  Lifecycle::Options options;
  options.condor_timeout = std::chrono::hours(100);
  options.max_lifetime = std::chrono::hours(5);
  options.retirement_time = std::chrono::minutes(30);
  Lifecycle lifecycle(options, nullptr, {.now = now_, .instance_start = now_ - std::chrono::hours(6)});
  EXPECT_LE(lifecycle.NextWakeup(), now_);
  EXPECT_THAT(lifecycle.Tick(now_), ElementsAre(Action::kShutdown));
}

TEST_F(LifecycleLimitsTest, TheJoinTimeoutCountsFromTheInstanceStartUnlessItWasInThePool) {
  Lifecycle::Options options;
  options.condor_timeout = std::chrono::hours(100);
  options.join_timeout = std::chrono::minutes(30);
  // A crash loop that never joins: the timeout is not reset by each start.
  Lifecycle looping(options, nullptr, {.now = now_, .instance_start = now_ - std::chrono::minutes(25)});
  EXPECT_EQ(looping.JoinDeadline(), now_ + std::chrono::minutes(5));
  // A worker that was in the pool until the agent restarted: it counts from then.
  Lifecycle rejoining(options, nullptr,
                      {.now = now_,
                       .instance_start = now_ - std::chrono::hours(20),
                       .in_pool_since = now_ - std::chrono::minutes(1)});
  EXPECT_EQ(rejoining.JoinDeadline(), now_ + std::chrono::minutes(29));
  // A clock that says the future is taken as now.
  Lifecycle future(options, nullptr,
                   {.now = now_, .instance_start = now_ + std::chrono::hours(1)});
  EXPECT_EQ(future.JoinDeadline(), now_ + std::chrono::minutes(30));
}

}  // namespace
}  // namespace osg
