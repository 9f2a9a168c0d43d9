// The whole agent (agent.h) driven through its seams: a fake clock (FakeEnv), a fake HTCondor
// (FakeCondorTools, FakeMaster), a shutdown action and power-off that only record, and real files
// (HTCondor's configuration, the ledger) under a temporary directory. The loop is the test's:
// Step, then sleep the fake clock by WaitTime(), as RunAgentLoop does with poll. What a real
// HTCondor does with the agent's configuration is the end-to-end tests' part (tests/e2e).
#include "agent.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "container_image.h"
#include "files.h"
#include "fake_env.h"
#include "test_token.h"

namespace osg {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

std::string Join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string joined;
  for (const std::string& part : parts) joined += (joined.empty() ? "" : separator) + part;
  return joined;
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/osg-agent-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    std::filesystem::create_directories(dir_ + "/root/var/log");  // the package makes /var/log
    LoadedConfig loaded = ParseConfig(
        "WorkerGroupName = Agent Test\nToken = " + testing::MakeToken(env_.wall + 86400) +
            "\nStart = TARGET.ProjectName == \"TG-NNNNNN\"\nMetricsTextfile = none\n",
        "agent-test.conf", env_.wall);
    ASSERT_TRUE(loaded.ok());
    settings_ = loaded.settings;
    tools_.env = &env_;
    tools_.state_file = CondorPaths{dir_ + "/root"}.State();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  AgentSeams Seams() {
    PowerOffSeams power_off{
        .systemd = true,
        .run = [this](const std::vector<std::string>& argv) {
          power_offs_.push_back({env_.steady, Join(argv, " ")});
          return CommandResult{0, ""};
        },
        .kernel_power_off = [this] {
          power_offs_.push_back({env_.steady, "reboot(RB_POWER_OFF)"});
          errno = EPERM;
          return -1;
        }};
    return {.env = env_,
            .tools = tools_,
            .master = master_,
            .shutdown_action =
                [this](const Settings&, const ShutdownReporter& report) {
                  actions_.push_back({env_.steady, master_.running()});
                  report({"poweroff", action_succeeds_, action_succeeds_ ? "" : "exit status 1"});
                  return action_succeeds_;
                },
            .power_off = power_off,
            .log = [this](const std::string& line) {
              log_.push_back("[" + std::to_string(SinceBegin(env_.steady).count()) + "s] " + line);
            },
            .resolve = [](const std::string&) { return std::vector<std::string>{}; },
            .pick_collector_socket = [this] { return ++collector_picks_; },
            .ledger_path = dir_ + "/ledger/ledger.jsonl",
            .start_image_preparer = [this] { return ++image_preparer_starts_ + 90000; },
            .image_report_path = dir_ + "/image-report.json",
            .state_dir = dir_ + "/run"};
  }

  void Begin() {
    agent_ = std::make_unique<Agent>(settings_, dir_ + "/osg-worker.conf",
                                     CondorPaths{dir_ + "/root"}, Seams());
    began_ = env_.steady;
    ASSERT_EQ(agent_->Begin(), std::nullopt) << Log();
  }

  // The loop, with no outside event, until `done` or `limit` of fake time has passed.
  // True if `done` became true.
  template <typename Done>
  bool RunUntil(Done done, Seconds limit) {
    TimePoint end = env_.steady + limit;
    for (int turn = 0; turn < 100000; ++turn) {
      if (done()) return true;
      if (env_.steady >= end || agent_->stopping()) return false;
      agent_->Step({});
      if (done()) return true;
      env_.Sleep(std::min<std::chrono::milliseconds>(
          agent_->WaitTime(), std::chrono::duration_cast<std::chrono::milliseconds>(end - env_.steady) +
                                  std::chrono::milliseconds(1)));
    }
    ADD_FAILURE() << "the loop never slept";
    return false;
  }
  void RunFor(Seconds limit) {
    RunUntil([] { return false; }, limit);
  }
  bool RunUntilShutdown(Seconds limit) {
    return RunUntil([this] { return !actions_.empty(); }, limit);
  }

  Seconds SinceBegin(TimePoint t) const { return std::chrono::duration_cast<Seconds>(t - began_); }

  std::vector<LedgerRecord> Ledger() const { return ReadLedger(dir_ + "/ledger/ledger.jsonl").records; }
  std::vector<std::string> Events(const std::string& name) const {
    std::vector<std::string> found;
    for (const LedgerRecord& r : Ledger()) {
      if (r.event == name) found.push_back(r.fields.dump());
    }
    return found;
  }
  nlohmann::json Status() {
    return nlohmann::json::parse(env_.files.at(dir_ + "/run/status.json"));
  }
  int Logged(const std::string& part) const {
    return static_cast<int>(std::count_if(log_.begin(), log_.end(), [&](const std::string& l) {
      return l.find(part) != std::string::npos;
    }));
  }
  std::string Log() const { return "agent log:\n" + Join(log_, "\n"); }
  std::string StoppingFile() const { return CondorPaths{dir_ + "/root"}.Stopping(); }

  static Observation Running(int jobs) {
    Observation o;
    o.claims = o.jobs = jobs;
    for (int i = 0; i < jobs; ++i) {
      o.running.push_back({.job_id = "7." + std::to_string(i), .owner = "alice",
                           .project = "TG-NNNNNN", .cpus = 1,
                           .global_job_id = "ap#7." + std::to_string(i) + "#1"});
      o.held.push_back({.slot = "slot1_" + std::to_string(i + 1), .claim_id = "c" + std::to_string(i),
                        .owner = "alice", .cpus = 1});
    }
    o.cores_claimed = jobs;
    return o;
  }

  struct ActionCall {
    TimePoint at;
    bool condor_running;  // HTCondor still up when the action began: must be false
  };
  struct PowerOff {
    TimePoint at;
    std::string how;
  };

  std::string dir_;
  FakeEnv env_;
  FakeCondorTools tools_;
  FakeMaster master_;
  Settings settings_;
  std::unique_ptr<Agent> agent_;
  TimePoint began_{};
  bool action_succeeds_ = true;
  int collector_picks_ = 0;  // the fake random pick: 1, then 2, ...
  int image_preparer_starts_ = 0;  // `osg-worker default-image` children started (fake pids 90001, ...)
  std::vector<ActionCall> actions_;
  std::vector<PowerOff> power_offs_;
  std::vector<std::string> log_;
};

TEST_F(AgentTest, AnIdleWorkerStopsRaceFreeAndShutsDownAtItsIdleTimeout) {
  Begin();
  ASSERT_TRUE(RunUntilShutdown(hours(1))) << Log();
  // Joined at its first probe (1 s), idle from then: 25 minutes.
  EXPECT_GE(SinceBegin(actions_[0].at), minutes(25));
  EXPECT_LE(SinceBegin(actions_[0].at), minutes(25) + Seconds(35));
  EXPECT_FALSE(actions_[0].condor_running) << "HTCondor is stopped before the action";
  EXPECT_TRUE(master_.stopped);
  // START went off, confirmed by the startd, before the decision.
  EXPECT_TRUE(env_.files.count(StoppingFile())) << Log();
  EXPECT_EQ(Logged("lifecycle: Idle -> Stopping"), 1) << Log();
  EXPECT_EQ(Events("joined").size(), 1u);
  EXPECT_EQ(Events("shutdown_decision").size(), 1u);
  ASSERT_EQ(Events("shutdown_action").size(), 1u);
  EXPECT_NE(Events("shutdown_action")[0].find("\"ok\""), std::string::npos);
  EXPECT_EQ(Status()["phase"], "ShutDown");
  // A successful action is not escalated before its grace has passed.
  RunFor(kDefaultShutdownGrace - Seconds(5));
  EXPECT_TRUE(power_offs_.empty());
}

// Under load a collector can miss an update, or take the one before it last: the collector then
// holds a stale copy until the startd's next periodic update (UPDATE_INTERVAL, 300 s).
TEST_F(AgentTest, AnAdThePoolMissedIsSentAgainUntilThePoolHoldsIt) {
  tools_.updates_lost = true;
  Begin();
  RunUntil([this] { return Status()["phase"] == "Idle"; }, Seconds(60));
  int reconfigs = tools_.reconfigs;
  EXPECT_GE(tools_.startd_serial, 1) << "Joining -> Idle went out with a new serial";
  EXPECT_LT(tools_.collector_serial, tools_.startd_serial);
  RunFor(Seconds(11));  // the check, 10 s after: stale, so the startd is asked again
  EXPECT_EQ(tools_.reconfigs, reconfigs + 1) << Log();
  EXPECT_EQ(Logged("the pool holds OSGWorkerAdSerial 0 of this worker's ad, not the current "
                   "OSGWorkerAdSerial " + std::to_string(tools_.startd_serial) +
                   ": asking the startd to send it again"), 1) << Log();
  tools_.updates_lost = false;
  RunFor(Seconds(60));  // still stale at 30 s: the second resend arrives; the check at 70 s sees it
  EXPECT_EQ(tools_.reconfigs, reconfigs + 2) << Log();
  EXPECT_EQ(tools_.collector_serial, tools_.startd_serial);
  EXPECT_EQ(Logged("the pool now holds this worker's current ad"), 1) << Log();
  int queries = tools_.ad_queries;
  RunFor(Seconds(200));  // nothing changes: no more checks until the periodic recheck (300 s)
  EXPECT_EQ(tools_.reconfigs, reconfigs + 2);
  EXPECT_EQ(tools_.ad_queries, queries);
}

TEST_F(AgentTest, ResendsOfAnAdAreBoundedAndTheRestIsLeftToHTCondor) {
  tools_.updates_lost = true;
  Begin();
  RunUntil([this] { return Status()["phase"] == "Idle"; }, Seconds(60));
  int reconfigs = tools_.reconfigs;
  RunFor(Seconds(10 + 20 + 40 + 80 + 1));  // checks at 10, 30, 70 and 150 s
  EXPECT_EQ(tools_.reconfigs, reconfigs + 3) << Log();
  EXPECT_EQ(Logged("after 3 resends; the startd's periodic update (UPDATE_INTERVAL) will bring it"), 1)
      << Log();
  // The recheck (every 300 s) checks again, but resends no more for this serial, nor says so.
  RunFor(Seconds(220));
  EXPECT_EQ(tools_.reconfigs, reconfigs + 3) << Log();
  EXPECT_EQ(Logged("will bring it"), 1) << Log();
  // HTCondor's own periodic update brings it; the next recheck says so.
  tools_.collector_serial = tools_.startd_serial;
  RunFor(Seconds(300));
  EXPECT_EQ(Logged("the pool now holds this worker's current ad"), 1) << Log();
  EXPECT_EQ(tools_.reconfigs, reconfigs + 3);
}

// A check that hangs (a collector slow to answer) is never started so close to a deadline that
// it could delay it.
TEST_F(AgentTest, AnAdCheckNeverDelaysTheIdleDeadline) {
  settings_.idle_timeout = minutes(2);
  tools_.updates_lost = true;
  tools_.ad_query_hang = Seconds(60);
  Begin();
  ASSERT_TRUE(RunUntilShutdown(minutes(10))) << Log();
  // Idle from the first probe (1 s); the check at 11 s hangs until 71 s and resends; the next,
  // due at 91 s, waits until after the deadline instead of hanging past it.
  EXPECT_LE(SinceBegin(actions_[0].at), minutes(2) + Seconds(20)) << Log();
  EXPECT_GE(tools_.ad_queries, 1);
}

TEST_F(AgentTest, ABusyWorkerStaysUntilItsJobsEndThenIdlesOut) {
  tools_.holds = Running(2);
  Begin();
  RunFor(hours(5));
  EXPECT_TRUE(actions_.empty()) << Log();
  EXPECT_FALSE(env_.files.count(StoppingFile())) << "START stays on while busy";
  EXPECT_EQ(Status()["jobs"], 2);
  EXPECT_EQ(Events("job_start").size(), 2u);
  tools_.holds = {};
  agent_->Step({.log_changed = true});  // the startd's log tells of the ended jobs
  TimePoint jobs_ended = env_.steady;
  ASSERT_TRUE(RunUntilShutdown(hours(1))) << Log();
  EXPECT_GE(actions_[0].at - jobs_ended, minutes(25));
  EXPECT_LE(actions_[0].at - jobs_ended, minutes(26));
  EXPECT_EQ(Events("job_end").size(), 2u);
}

TEST_F(AgentTest, AStartdThatStopsAnsweringEndsInAShutdownAfterTheCondorTimeout) {
  tools_.holds = Running(1);
  Begin();
  RunFor(hours(1));
  tools_.answers = false;  // HTCondor wedged: it neither answers nor lets itself be restarted
  TimePoint silent_from = env_.steady;
  ASSERT_TRUE(RunUntilShutdown(hours(2))) << Log();
  // 30 minutes from its last answer, which came at most one recheck (5 min) before.
  EXPECT_GE(actions_[0].at - silent_from, minutes(25)) << Log();
  EXPECT_LE(actions_[0].at - silent_from, minutes(31)) << Log();
  ASSERT_EQ(Events("shutdown_decision").size(), 1u);
  EXPECT_NE(Events("shutdown_decision")[0].find("HTCondor"), std::string::npos)
      << Events("shutdown_decision")[0];
}

TEST_F(AgentTest, HangingHTCondorToolsStillEndInAShutdownWithinTheBound) {
  Begin();
  ASSERT_TRUE(RunUntil([this] { return !Events("joined").empty(); }, minutes(1)));
  tools_.hang = Seconds(20);  // every condor_* run is killed at its timeout from now on
  TimePoint hung_from = env_.steady;
  ASSERT_TRUE(RunUntilShutdown(hours(3))) << Log();
  // Idle since joining, but the stop at 25 min cannot be confirmed (START's state is unknown):
  // no shutdown then. The condor timeout ends it, 30 min after the startd last answered (just
  // before the hang), plus the hung calls.
  EXPECT_GE(actions_[0].at - hung_from, minutes(30)) << Log();
  EXPECT_LE(actions_[0].at - hung_from, minutes(32)) << Log();
  EXPECT_GE(Logged("lifecycle: Stopping -> Idle"), 1) << "the stop was tried and failed: " << Log();
  ASSERT_EQ(Events("shutdown_decision").size(), 1u);
  EXPECT_NE(Events("shutdown_decision")[0].find("for 30m"), std::string::npos)
      << Events("shutdown_decision")[0];
  EXPECT_FALSE(actions_[0].condor_running);
}

TEST_F(AgentTest, AHangingNftLeavesTheFirewallReportedMissingAndTheDeadlineKept) {
  env_.commands_hang = true;  // nft never returns: each run is killed at its timeout
  Begin();
  EXPECT_EQ(Logged("WARNING: job firewall NOT INSTALLED"), 1) << Log();
  ASSERT_TRUE(RunUntilShutdown(hours(1))) << Log();
  // The idle deadline (25 min after joining) is late by at most the hung runs around it.
  EXPECT_GE(SinceBegin(actions_[0].at), minutes(25));
  EXPECT_LE(SinceBegin(actions_[0].at), minutes(26)) << Log();
  EXPECT_EQ(Status()["job_firewall_ok"], false);
}

TEST_F(AgentTest, AFailingWriteKeepsStartOnAndTheStopIsRetriedUntilItWorks) {
  Begin();
  env_.fail_writes = true;  // the disk is full: no stopping file, no state file
  ASSERT_FALSE(RunUntilShutdown(minutes(40))) << "no shutdown without START off";
  EXPECT_GE(Logged("could not advertise the state"), 1) << Log();
  EXPECT_GE(Logged("lifecycle: Stopping -> Idle"), 2) << "the stop is retried: " << Log();
  env_.fail_writes = false;
  TimePoint writable = env_.steady;
  ASSERT_TRUE(RunUntilShutdown(minutes(5))) << Log();
  EXPECT_LE(actions_[0].at - writable, Seconds(35));
  EXPECT_TRUE(env_.files.count(StoppingFile()));
}

TEST_F(AgentTest, AFailedActionIsEscalatedAtOnceAndThenEachMinute) {
  action_succeeds_ = false;
  Begin();
  ASSERT_TRUE(RunUntilShutdown(hours(1))) << Log();
  RunFor(minutes(3) + Seconds(5));
  ASSERT_EQ(power_offs_.size(), 4u) << Log();
  EXPECT_EQ(power_offs_[0].how, "systemctl poweroff");
  EXPECT_LE(power_offs_[0].at - actions_[0].at, Seconds(1));
  EXPECT_EQ(power_offs_[1].how, "systemctl poweroff --force");
  EXPECT_GE(power_offs_[1].at - power_offs_[0].at, kEscalationGrace);
  EXPECT_LE(power_offs_[1].at - power_offs_[0].at, kEscalationGrace + Seconds(1));
  EXPECT_EQ(power_offs_[2].how, "reboot(RB_POWER_OFF)");
  EXPECT_EQ(power_offs_[3].how, "reboot(RB_POWER_OFF)");
  EXPECT_EQ(actions_.size(), 1u) << "the decision is taken once";
}

TEST_F(AgentTest, ASuccessfulActionWithTheMachineStillUpIsFollowedByAPowerOff) {
  Begin();
  ASSERT_TRUE(RunUntilShutdown(hours(1))) << Log();
  RunFor(kDefaultShutdownGrace + Seconds(5));
  ASSERT_EQ(power_offs_.size(), 1u) << Log();
  EXPECT_EQ(power_offs_[0].how, "systemctl poweroff");
  EXPECT_GE(power_offs_[0].at - actions_[0].at, kDefaultShutdownGrace);
}

TEST_F(AgentTest, ShutdownGraceSetsWhenASuccessfulActionIsFollowedByAPowerOff) {
  settings_.shutdown_grace = minutes(2);
  Begin();
  ASSERT_TRUE(RunUntilShutdown(hours(1))) << Log();
  RunFor(minutes(2) - Seconds(5));
  EXPECT_TRUE(power_offs_.empty()) << Log();
  RunFor(Seconds(10));
  ASSERT_EQ(power_offs_.size(), 1u) << Log();
  EXPECT_GE(power_offs_[0].at - actions_[0].at, minutes(2));
  EXPECT_EQ(Logged("if it is still up in 2m0s, it is powered off"), 1) << Log();
}

TEST_F(AgentTest, ShutdownActionNoneKeepsTheMachine) {
  settings_.shutdown_action = {ShutdownAction::Kind::kNone, ""};
  action_succeeds_ = true;
  Begin();
  ASSERT_TRUE(RunUntilShutdown(hours(1))) << Log();
  RunFor(hours(2));
  EXPECT_TRUE(power_offs_.empty());
}

TEST_F(AgentTest, ASignalStopsHTCondorAndKeepsTheMachine) {
  tools_.holds = Running(1);
  Begin();
  RunFor(minutes(10));
  agent_->Step({.stop_signal = "Terminated"});
  ASSERT_TRUE(agent_->stopping());
  EXPECT_EQ(agent_->WaitTime().count(), 0);
  EXPECT_EQ(agent_->End(), 0);
  EXPECT_TRUE(master_.stopped);
  EXPECT_TRUE(actions_.empty());
  EXPECT_TRUE(power_offs_.empty());
  EXPECT_EQ(Status()["phase"], "Stopped");
  ASSERT_EQ(Events("agent_stop").size(), 1u);
  EXPECT_NE(Events("agent_stop")[0].find("Terminated"), std::string::npos);
}

TEST_F(AgentTest, AMasterThatDiesIsRestartedAndOneThatCannotStartEndsInAShutdown) {
  tools_.holds = Running(1);
  Begin();
  RunFor(minutes(5));
  ASSERT_EQ(master_.starts, 1);
  // It dies once: what it left behind is swept, and a new one starts.
  int sweeps = master_.leftover_sweeps;
  agent_->Step({.exits = {{master_.Die(), 9}}});
  EXPECT_EQ(master_.leftover_sweeps, sweeps + 1);
  EXPECT_EQ(master_.starts, 1) << "not at once: after the backoff";
  RunFor(minutes(1));
  EXPECT_EQ(master_.starts, 2);
  EXPECT_TRUE(master_.running());
  EXPECT_TRUE(actions_.empty());
  // It dies again and cannot be started: no startd answers; the job it ran is gone.
  master_.start_fails = true;
  tools_.answers = false;
  agent_->Step({.exits = {{master_.Die(), 9}}});
  TimePoint died = env_.steady;
  RunFor(minutes(25));
  int starts_after_25_minutes = master_.starts;
  ASSERT_TRUE(RunUntilShutdown(hours(2))) << Log();
  EXPECT_GT(master_.starts, starts_after_25_minutes) << "restarts are still tried at the end";
  EXPECT_LE(actions_[0].at - died, minutes(36)) << Log();
}

TEST_F(AgentTest, AWorkerThePoolNeverListsShutsDownAtTheJoinTimeoutWithTheStop) {
  tools_.joined = false;
  Begin();
  ASSERT_TRUE(RunUntilShutdown(hours(2))) << Log();
  EXPECT_GE(SinceBegin(actions_[0].at), minutes(30));
  EXPECT_LE(SinceBegin(actions_[0].at), minutes(31)) << Log();
  EXPECT_TRUE(env_.files.count(StoppingFile())) << "the join timeout goes through the stop";
  EXPECT_EQ(Status()["joined"], false);
  // The probe backs off: about one question a 30 s, not one a loop turn.
  EXPECT_LE(tools_.join_queries, 30 * 2 + 10);
}

// The next agent on this instance (after a restart or a reboot) counts its deadlines from this
// record: it must say when this agent's deadlines started, however long its start took.
TEST_F(AgentTest, TheLedgersAgentStartIsWhenTheDeadlinesStartedCounting) {
  env_.commands_hang = true;  // a slow start: nft takes its whole timeout
  int64_t begun = env_.WallNow();
  Begin();
  ASSERT_GT(env_.WallNow(), begun) << "the start took time";
  std::optional<double> recorded;
  for (const LedgerRecord& r : Ledger()) {
    if (r.event == kEventAgentStart) recorded = r.time;
  }
  ASSERT_TRUE(recorded.has_value());
  EXPECT_EQ(*recorded, static_cast<double>(begun));
}

TEST_F(AgentTest, TheLifetimeCapCountsFromTheInstancesFirstStartInTheLedger) {
  settings_.max_lifetime = hours(3);
  settings_.retirement_time = hours(1);
  // An earlier agent on this instance started two hours ago.
  {
    osg::Ledger earlier(dir_ + "/ledger/ledger.jsonl");
    ASSERT_TRUE(earlier.Append({static_cast<double>(env_.wall - 7200), kEventAgentStart, {{"pid", 1}}}).ok());
  }
  tools_.holds = Running(1);
  Begin();
  EXPECT_GE(Logged("the deadlines count from then"), 1) << Log();
  ASSERT_TRUE(RunUntil([this] { return !Events("retire").empty(); }, hours(3))) << Log();
  EXPECT_GE(SinceBegin(env_.steady), hours(1) - Seconds(1));
  EXPECT_LE(SinceBegin(env_.steady), hours(1) + Seconds(35));
  EXPECT_TRUE(env_.files.count(StoppingFile())) << "retiring turns START off";
  EXPECT_EQ(Status()["phase"], "Retiring");
  // The hard deadline, an hour later, ends it although the job still runs.
  ASSERT_TRUE(RunUntilShutdown(hours(2))) << Log();
  EXPECT_LE(SinceBegin(actions_[0].at), hours(2) + minutes(1));
}

}  // namespace
}  // namespace osg

namespace osg {
namespace {

std::string RenderedConfig(const std::string& dir) {
  return ReadFile(CondorPaths{dir + "/root"}.Config()).value_or("");
}

TEST_F(AgentTest, TheOspoolsCollectorSocketIsChosenOnceAndKeptByTheNextAgent) {
  Begin();  // the seed's config: no CentralManager, the OSPool
  RunFor(Seconds(5));
  EXPECT_EQ(tools_.asked_collectors,
            (std::vector<std::string>{"cm-1.ospool.osg-htc.org?sock=collector1",
                                      "cm-2.ospool.osg-htc.org?sock=collector1"}));
  EXPECT_NE(RenderedConfig(dir_).find("CCB_ADDRESS = ccb-1.ospool.osg-htc.org?sock=collector1, "
                                      "ccb-2.ospool.osg-htc.org?sock=collector1\n"),
            std::string::npos);
  agent_->Step({.stop_signal = "Terminated"});
  agent_->End();
  // The next agent on this instance (a restart, a reboot) keeps the socket: its CCB route and
  // its collector stay the same. A fresh pick would have given 2.
  tools_.asked_collectors.clear();
  Begin();
  RunFor(Seconds(5));
  EXPECT_EQ(collector_picks_, 1);
  EXPECT_EQ(tools_.asked_collectors[0], "cm-1.ospool.osg-htc.org?sock=collector1");
  EXPECT_NE(RenderedConfig(dir_).find("?sock=collector1\n"), std::string::npos);
}

TEST_F(AgentTest, TheDefaultImageIsPreparedAfterHTCondorStartsAndItsReportAdvertised) {
  Begin();  // the seed's config: the OSPool, whose default image is ospool:htc/rocky:9
  std::string image_conf = CondorPaths{dir_ + "/root"}.Image();
  std::string state_conf = CondorPaths{dir_ + "/root"}.State();
  // Nothing competes with the join: no preparer and no Apptainer (whose test by the startd
  // would hold back the first ad) until the pool lists the worker.
  EXPECT_EQ(image_preparer_starts_, 0);
  EXPECT_EQ(Status()["default_image"],
            "to be prepared once the worker is in the pool: ospool:htc/rocky:9");
  EXPECT_EQ(ReadFile(state_conf).value_or("").find("SINGULARITY"), std::string::npos);
  EXPECT_NE(RenderedConfig(dir_).find("SINGULARITY = /nonexistent/apptainer-once-joined"),
            std::string::npos);
  RunUntil([this] { return Status()["joined"] == true; }, Seconds(60));
  EXPECT_EQ(image_preparer_starts_, 1);
  EXPECT_NE(env_.files.at(state_conf).find("SINGULARITY = /usr/bin/apptainer\n"), std::string::npos);
  EXPECT_TRUE(master_.running());
  // InstallCondorConfig wrote it before HTCondor started: not ready yet.
  EXPECT_EQ(ReadFile(image_conf).value_or("READY = True").find("READY = True"), std::string::npos);
  EXPECT_EQ(Status()["default_image"], "preparing ospool:htc/rocky:9");
  RunFor(Seconds(30));
  int reconfigs = tools_.reconfigs;
  ImageReport report{true, "/var/cache/osg-worker/images/x.sif", "", "ospool:htc/rocky:9", false,
                     {"RHEL", "9"}};
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/image-report.json", ImageReportToJson(report), 0644).ok());
  agent_->Step({.exits = {{90001, 0}}});
  EXPECT_NE(env_.files.at(image_conf).find("OSG_WORKER_DEFAULT_IMAGE_READY = True"), std::string::npos);
  EXPECT_NE(env_.files.at(image_conf).find("OSG_OS_STRING = \"RHEL 9\""), std::string::npos);
  EXPECT_EQ(tools_.reconfigs, reconfigs + 1);  // HTCondor rereads it at once
  EXPECT_EQ(Status()["default_image"], "ready: RHEL 9 in /var/cache/osg-worker/images/x.sif");
  ASSERT_EQ(Events("default_image").size(), 1u);
  EXPECT_NE(Events("default_image")[0].find("\"ready\":true"), std::string::npos);
  EXPECT_TRUE(master_.running());  // the preparer's exit is not HTCondor's
}

TEST_F(AgentTest, AMasterThatDiesWhileTheImageIsPreparedLeavesThePreparerAlone) {
  Begin();
  RunUntil([this] { return image_preparer_starts_ == 1; }, Seconds(60));
  agent_->Step({.exits = {{master_.Die(), 9}}});
  // The sweep of HTCondor's leftovers spares the preparer, whose exit is still the agent's.
  EXPECT_EQ(master_.kept_from_sweeps, 90001);
  ImageReport report{true, "/var/cache/osg-worker/images/x.sif", "", "ospool:htc/rocky:9", false,
                     {"RHEL", "9"}};
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/image-report.json", ImageReportToJson(report), 0644).ok());
  agent_->Step({.exits = {{90001, 0}}});
  EXPECT_EQ(Status()["default_image"], "ready: RHEL 9 in /var/cache/osg-worker/images/x.sif");
}

TEST_F(AgentTest, APreparerThatLeavesNoReportMakesTheDefaultImageUnusableWithTheReason) {
  Begin();
  RunUntil([this] { return image_preparer_starts_ == 1; }, Seconds(60));
  agent_->Step({.exits = {{90001, 256}}});
  std::string image_conf = CondorPaths{dir_ + "/root"}.Image();
  EXPECT_NE(env_.files.at(image_conf).find("OSGWorkerImageProblem = \"the image preparer ended (wait "
                                           "status 256) without a report\""),
            std::string::npos);
  EXPECT_EQ(Status()["default_image"],
            "NOT USABLE: the image preparer ended (wait status 256) without a report");
  // Jobs that need it never match; the worker still idles out and shuts down.
  EXPECT_TRUE(RunUntilShutdown(std::chrono::minutes(40))) << Log();
}

TEST_F(AgentTest, WithDefaultImageNoneNothingIsPrepared) {
  settings_.default_image = ImageSource{};
  Begin();
  RunFor(Seconds(60));
  EXPECT_EQ(image_preparer_starts_, 0);
  EXPECT_EQ(Status()["default_image"], "none: jobs that name no image run on the host");
}

TEST_F(AgentTest, AnotherPoolsCollectorsAreAskedAndNoSocketIsPicked) {
  settings_.central_managers = {"cm.osgpool.test", "cm.osgpool.test?sock=collector2"};
  Begin();
  RunFor(Seconds(5));
  EXPECT_EQ(tools_.asked_collectors, settings_.central_managers);
  EXPECT_EQ(collector_picks_, 0);
  EXPECT_EQ(Logged("joined the pool: listed by cm.osgpool.test, cm.osgpool.test?sock=collector2 "
                   "(one is enough)"),
            1)
      << Log();
}

}  // namespace
}  // namespace osg
