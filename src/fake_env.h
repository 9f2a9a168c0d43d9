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

namespace osg {

class FakeEnv : public Env {
 public:
  TimePoint SteadyNow() override { return steady; }
  int64_t WallNow() override { return wall; }
  double BootNow() override { return boot; }
  void Sleep(std::chrono::milliseconds duration) override {
    steady += duration;
    wall += std::chrono::duration_cast<Seconds>(duration).count();
    boot += static_cast<double>(duration.count()) / 1000;
  }
  Status WriteFile(const std::string& path, const std::string& content, mode_t) override {
    if (fail_writes) return Status::Error("cannot write " + path + ": No space left on device");
    files[path] = content;
    return Status::Ok();
  }
  Status RemoveFile(const std::string& path) override {
    files.erase(path);
    return Status::Ok();
  }
  CommandResult Run(const std::vector<std::string>& argv, std::chrono::milliseconds) override {
    commands.push_back(argv);
    return {command_status, ""};
  }

  TimePoint steady = TimePoint() + std::chrono::hours(1000);
  int64_t wall = 1'800'000'000;
  double boot = 3600;
  bool fail_writes = false;
  int command_status = 0;
  std::map<std::string, std::string> files;
  std::vector<std::vector<std::string>> commands;
};

// A startd that answers from its fields; `accepting_after_reconfig` is what it reports for
// OSG_WORKER_ACCEPTING after that many polls (a slow reconfig), or never (nullopt: a hang).
class FakeCondorTools : public CondorTools {
 public:
  std::optional<Observation> QueryStartd() override {
    ++queries;
    return answers ? std::optional<Observation>(holds) : std::nullopt;
  }
  std::optional<bool> QueryJoined() override { return joined; }
  Status Reconfig() override {
    ++reconfigs;
    polls_since_reconfig = 0;
    return reconfig_fails ? Status::Error("condor_reconfig failed") : Status::Ok();
  }
  std::optional<bool> StartdAccepting() override {
    if (!answers) return std::nullopt;
    ++polls_since_reconfig;
    return !(polls_until_off && polls_since_reconfig > *polls_until_off);
  }
  std::optional<JobExit> QueryJobExit(const std::string&) override { return std::nullopt; }

  bool answers = true;
  bool reconfig_fails = false;
  std::optional<bool> joined = true;
  std::optional<int> polls_until_off = 0;  // nullopt: START never goes off
  Observation holds;
  int queries = 0;
  int reconfigs = 0;
  int polls_since_reconfig = 0;
};

}  // namespace osg
