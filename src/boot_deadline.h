#pragma once

#include <functional>
#include <optional>
#include <string>

#include "config.h"
#include "duration.h"
#include "shutdown_action.h"

namespace osg {

// A VM whose worker never came up must not bill for ever: no user-data (the config is never
// written), a bad config (the agent exits 78 and waits for a fix), or HTCondor that cannot be
// configured or started. `osg-worker boot-deadline` runs from the boot on (its own unit): at
// `BootTimeout` after the boot it checks that an agent with an accepted config runs with
// HTCondor up; if not, it powers the machine off, escalating as the agent's shutdown does. With
// no valid config a power-off is the only action there is (no cloud credentials to trust).
// Once the worker is up at the deadline it exits: from then on the agent's own deadlines hold.

// What the status file (/run: this boot only) says of the agent, checked against live pids.
struct WorkerUpCheck {
  bool agent_running = false;   // the status file names a live agent process
  bool condor_running = false;  // and a live condor_master
  bool ok() const { return agent_running && condor_running; }
};
WorkerUpCheck CheckWorkerUp(const std::optional<std::string>& status_json,
                            const std::function<bool(int64_t)>& alive);
// Why the worker is not up, for the log and the console. `config_problem`: what is wrong with the
// config ("" when it is valid).
std::string DescribeNotUp(const WorkerUpCheck& check, const std::string& config_problem);

// For the console at the deadline: "" for a valid config, else that no file was written at
// `path`, or the first of its errors.
std::string DescribeConfigProblem(const std::string& path, bool exists, const LoadedConfig& loaded);

// The side effects, so that the policy is tested with a fake clock and machine.
struct BootDeadlineSeams {
  std::function<double()> boot_time_now;   // seconds since boot (CLOCK_BOOTTIME)
  std::function<void(Seconds)> sleep;
  std::function<Seconds()> timeout;        // BootTimeout now: from a valid config, else default
  // What is wrong with the config now: "" when it is valid, else that none was written or its
  // first error (file, line and key; never a secret).
  std::function<std::string()> config_problem;
  std::function<WorkerUpCheck()> check;
  std::function<ShutdownStep(int level)> power_off;  // EscalatePowerOff
  std::function<void(const std::string&)> log;
};

// Waits for the deadline (`boot` seconds since boot is when this machine started: PID 1's start),
// rereading the timeout as it waits, then checks for up to `grace` (a restarting agent or
// condor_master gets that long), then powers off, escalating every `escalation` until the
// machine goes. Returns 0 when the worker was up.
int RunBootDeadline(double boot, const BootDeadlineSeams& seams, Seconds grace = Seconds(60),
                    Seconds escalation = Seconds(60));

// When PID 1 started, in seconds since boot (/proc/1/stat): on a VM the boot itself; in a PID
// namespace (the test bed's instances) the instance's start, which is its boot.
std::optional<double> InitStartedAt();

}  // namespace osg
