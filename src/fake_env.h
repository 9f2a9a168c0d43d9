#pragma once

// Test doubles for the Env seam and HTCondor's tools: time moves only when slept through, and
// each side effect can be made to fail or to answer as the test says. For unit tests only.

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "condor_tools.h"
#include "env.h"
#include "supervisor.h"

namespace osg {

class FakeEnv : public Env {
 public:
  // The three clocks move together, by Sleep only (or by setting `steady`).
  TimePoint SteadyNow() override { return steady; }
  int64_t WallNow() override {
    return wall + std::chrono::duration_cast<Seconds>(steady - kSteadyStart).count();
  }
  double BootNow() override {
    return boot + std::chrono::duration<double>(steady - kSteadyStart).count();
  }
  void Sleep(std::chrono::milliseconds duration) override { steady += duration; }
  Status WriteFile(const std::string& path, const std::string& content, mode_t) override {
    if (fail_writes) return Status::Error("cannot write " + path + ": No space left on device");
    files[path] = content;
    return Status::Ok();
  }
  Status RemoveFile(const std::string& path) override {
    files.erase(path);
    return Status::Ok();
  }
  // A hanging command costs its whole timeout and counts as killed (-1).
  CommandResult Run(const std::vector<std::string>& argv,
                    std::chrono::milliseconds timeout) override {
    commands.push_back(argv);
    if (commands_hang) {
      Sleep(timeout);
      return {-1, ""};
    }
    return {command_status, ""};
  }

  static constexpr TimePoint kSteadyStart = TimePoint() + std::chrono::hours(1000);
  TimePoint steady = kSteadyStart;
  int64_t wall = 1'800'000'000;  // at kSteadyStart
  double boot = 3600;            // at kSteadyStart
  bool commands_hang = false;
  bool fail_writes = false;
  int command_status = 0;
  std::map<std::string, std::string> files;
  std::vector<std::vector<std::string>> commands;
};

// A startd that answers from its fields; `accepting_after_reconfig` is what it reports for
// OSG_WORKER_ACCEPTING after that many polls (a slow reconfig), or never (nullopt: a hang).
// With `env` and `hang` set, every call hangs for `hang` (the fake clock moves) and fails, as a
// real tool killed at its timeout does.
class FakeCondorTools : public CondorTools {
 public:
  std::optional<Observation> QueryStartd() override {
    ++queries;
    if (Hangs()) return std::nullopt;
    return answers ? std::optional<Observation>(holds) : std::nullopt;
  }
  std::optional<bool> QueryJoined(const std::vector<std::string>& collectors) override {
    ++join_queries;
    asked_collectors = collectors;
    if (Hangs()) return std::nullopt;
    return joined;
  }
  // The collector's copy: what the startd last sent, unless `updates_lost` drops the sending.
  std::optional<std::vector<int64_t>> QueryAdSerials(const std::vector<std::string>&) override {
    ++ad_queries;
    if (Hangs()) return std::nullopt;
    if (env && ad_query_hang) env->Sleep(*ad_query_hang);
    return std::vector<int64_t>{collector_serial};
  }
  // Like the startd, rereads the agent's state file (state_file in env->files) and sends the
  // serial it finds to the collector.
  Status Reconfig() override {
    ++reconfigs;
    if (Hangs()) return Status::Error("condor_reconfig timed out");
    polls_since_reconfig = 0;
    if (reconfig_fails) return Status::Error("condor_reconfig failed");
    if (env && env->files.count(state_file)) {
      const std::string& text = env->files.at(state_file);
      size_t at = text.find("OSGWorkerAdSerial = ");
      if (at != std::string::npos) startd_serial = std::stoll(text.substr(at + 20));
    }
    if (!updates_lost) collector_serial = startd_serial;
    return Status::Ok();
  }
  std::optional<bool> StartdAccepting() override {
    if (Hangs() || !answers) return std::nullopt;
    ++polls_since_reconfig;
    return !(polls_until_off && polls_since_reconfig > *polls_until_off);
  }
  std::optional<JobExit> QueryJobExit(const std::string&) override { return std::nullopt; }

  bool Hangs() {
    if (!env || !hang) return false;
    env->Sleep(*hang);
    return true;
  }

  FakeEnv* env = nullptr;
  std::optional<std::chrono::milliseconds> hang;
  int join_queries = 0;
  std::vector<std::string> asked_collectors;
  bool answers = true;
  bool reconfig_fails = false;
  std::optional<bool> joined = true;
  std::optional<int> polls_until_off = 0;  // nullopt: START never goes off
  Observation holds;
  int queries = 0;
  int reconfigs = 0;
  std::string state_file;  // the agent's CondorPaths::State()
  int64_t startd_serial = 0;
  int64_t collector_serial = 0;
  bool updates_lost = false;
  int ad_queries = 0;
  std::optional<std::chrono::milliseconds> ad_query_hang;  // each check takes this long
  int polls_since_reconfig = 0;
};

// condor_master as the agent sees it: runs once started, dies when the test says (Die, then an
// AgentEvents exit for pid()), and refuses to start while `start_fails`. A refused or ended
// master is due for a restart 10 s later (a fixed delay: Supervisor's backoff, 1 s doubling to
// 60 s, is its own unit test's business). Stop and StopLeftovers take no time here, though the
// real ones may wait for HTCondor (up to 120 s and 30 s).
class FakeMaster : public MasterProcess {
 public:
  Status Start(TimePoint now) override {
    ++starts;
    restart_at_.reset();
    if (start_fails) {
      restart_at_ = now + Seconds(10);
      return Status::Error("cannot start condor_master: exec failed");
    }
    pid_ = next_pid++;
    return Status::Ok();
  }
  bool Adopt(TimePoint) override {
    if (!adoptable) return false;
    pid_ = next_pid++;
    adopted = true;
    return true;
  }
  int exit_fd() const override { return -1; }
  bool OnAdoptedExit(TimePoint) override { return false; }
  bool OnExit(pid_t pid, int, TimePoint now) override {
    if (pid != pid_ || pid_ <= 0) return false;
    pid_ = -1;
    if (!stopped) restart_at_ = now + Seconds(10);
    return true;
  }
  std::optional<TimePoint> restart_at() const override { return restart_at_; }
  void Stop(Seconds) override {
    stopped = true;
    pid_ = -1;
    restart_at_.reset();
  }
  void StopLeftovers(Seconds, pid_t keep) override {
    ++leftover_sweeps;
    kept_from_sweeps = keep;
  }
  pid_t pid() const override { return pid_; }
  bool running() const override { return pid_ > 0; }

  // The process ends by itself; returns its pid for the exit event.
  pid_t Die() { return pid_; }

  bool start_fails = false;
  bool adoptable = false;
  bool adopted = false;
  bool stopped = false;
  int starts = 0;
  int leftover_sweeps = 0;
  pid_t kept_from_sweeps = -1;  // the `keep` of the last StopLeftovers
  pid_t next_pid = 4242;

 private:
  pid_t pid_ = -1;
  std::optional<TimePoint> restart_at_;
};

}  // namespace osg
