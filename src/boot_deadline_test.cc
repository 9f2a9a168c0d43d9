#include "boot_deadline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fake machine and clock: sleeping moves the clock; the worker comes up when the test says.
class BootDeadlineTest : public ::testing::Test {
 protected:
  BootDeadlineSeams Seams() {
    return {.boot_time_now = [this] { return now_; },
            .sleep = [this](Seconds s) { now_ += static_cast<double>(s.count()); },
            .timeout = [this] { return timeout_; },
            .config_problem = [this] { return config_problem_; },
            .check =
                [this] {
                  ++checks_;
                  WorkerUpCheck check;
                  check.agent_running = now_ >= agent_up_at_;
                  check.condor_running = now_ >= condor_up_at_;
                  return check;
                },
            .power_off =
                [this](int level) {
                  power_offs_.push_back(now_);
                  return ShutdownStep{"poweroff-" + std::to_string(level), level == 0, ""};
                },
            .log = [this](const std::string& line) { log_.push_back(line); }};
  }
  double now_ = 12;  // seconds since boot; PID 1 started at 2
  Seconds timeout_{1800};
  std::string config_problem_ = "no /etc/osg-worker.conf was written";
  double agent_up_at_ = 1e9;
  double condor_up_at_ = 1e9;
  int checks_ = 0;
  std::vector<double> power_offs_;
  std::vector<std::string> log_;
};

TEST_F(BootDeadlineTest, NoConfigPowersOffAtTheDeadlineAndEscalates) {
  EXPECT_EQ(RunBootDeadline(2, Seams(), Seconds(60), Seconds(60)), 1);
  ASSERT_EQ(power_offs_.size(), 3u);
  EXPECT_GE(power_offs_[0], 2 + 1800 + 60);  // the deadline, then the grace
  EXPECT_LE(power_offs_[0], 2 + 1800 + 60 + 6);
  EXPECT_EQ(power_offs_[1], power_offs_[0] + 60);  // the clean one succeeded: a minute's wait
  EXPECT_EQ(power_offs_[2], power_offs_[1] + 1);   // the forced one failed: at once
  EXPECT_THAT(log_[0], HasSubstr("30m0s after the boot, no /etc/osg-worker.conf was written: "
                                 "powering off"));
  EXPECT_THAT(log_[1], HasSubstr("poweroff-0: ok"));
}

TEST_F(BootDeadlineTest, AWorkerUpAtTheDeadlineKeepsTheMachine) {
  config_problem_ = "";
  agent_up_at_ = condor_up_at_ = 100;
  EXPECT_EQ(RunBootDeadline(2, Seams()), 0);
  EXPECT_TRUE(power_offs_.empty());
  EXPECT_GE(now_, 1802);  // checked at the deadline, not before
  EXPECT_EQ(checks_, 1);
}

TEST_F(BootDeadlineTest, ARestartingAgentGetsTheGrace) {
  config_problem_ = "";
  agent_up_at_ = condor_up_at_ = 1802 + 30;
  EXPECT_EQ(RunBootDeadline(2, Seams(), Seconds(60)), 0);
  EXPECT_TRUE(power_offs_.empty());
}

TEST_F(BootDeadlineTest, AnAgentWithoutHtcondorPowersOff) {
  config_problem_ = "";
  agent_up_at_ = 10;
  EXPECT_EQ(RunBootDeadline(2, Seams()), 1);
  EXPECT_THAT(log_[0], HasSubstr("osg-worker runs but HTCondor is not up"));
}

TEST_F(BootDeadlineTest, TheTimeoutIsRereadWhileWaiting) {
  // A config written after the boot sets BootTimeout = 2h: the 30 m default no longer applies.
  auto seams = Seams();
  seams.timeout = [this] { return now_ < 600 ? Seconds(1800) : Seconds(7200); };
  agent_up_at_ = condor_up_at_ = 5000;
  EXPECT_EQ(RunBootDeadline(2, seams), 0);
  EXPECT_GE(now_, 7202);
}

TEST(DescribeConfigProblem, SaysWhetherTheFileIsMissingOrWhatIsWrongWithIt) {
  const std::string path = "/etc/osg-worker.conf";
  EXPECT_EQ(DescribeConfigProblem(path, false, LoadConfig("/nonexistent/osg-worker.conf", 0)),
            "no /etc/osg-worker.conf was written");
  LoadedConfig bad = ParseConfig("Token = x\nStart = TARGET.ProjectName == TG-1\n", path, 0);
  std::string problem = DescribeConfigProblem(path, true, bad);
  EXPECT_THAT(problem, HasSubstr("the config is not valid (/etc/osg-worker.conf:"));
  EXPECT_THAT(problem, ::testing::Not(HasSubstr("Token = x")));
  LoadedConfig good;
  EXPECT_EQ(DescribeConfigProblem(path, true, good), "");
}

TEST(CheckWorkerUp, ReadsTheStatusFileAndChecksThePids) {
  auto alive = [](int64_t pid) { return pid == 10 || pid == 20; };
  EXPECT_FALSE(CheckWorkerUp(std::nullopt, alive).agent_running);
  EXPECT_FALSE(CheckWorkerUp("not json", alive).agent_running);
  WorkerUpCheck up =
      CheckWorkerUp(R"({"agent_pid": 10, "condor_master_pid": 20, "phase": "Idle"})", alive);
  EXPECT_TRUE(up.ok());
  WorkerUpCheck dead_agent =
      CheckWorkerUp(R"({"agent_pid": 11, "condor_master_pid": 20, "phase": "Idle"})", alive);
  EXPECT_FALSE(dead_agent.agent_running);
  EXPECT_FALSE(dead_agent.ok());
  WorkerUpCheck no_condor =
      CheckWorkerUp(R"({"agent_pid": 10, "condor_master_pid": 0, "phase": "Joining"})", alive);
  EXPECT_TRUE(no_condor.agent_running);
  EXPECT_FALSE(no_condor.ok());
}

TEST(InitStartedAt, ReadsPidOnesStart) {
  std::optional<double> started = InitStartedAt();
  ASSERT_TRUE(started);
  EXPECT_GE(*started, 0);
}

}  // namespace
}  // namespace osg
