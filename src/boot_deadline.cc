#include "boot_deadline.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "status_file.h"

namespace osg {

WorkerUpCheck CheckWorkerUp(const std::optional<std::string>& status_json,
                            const std::function<bool(int64_t)>& alive) {
  WorkerUpCheck check;
  if (!status_json) return check;
  std::optional<WorkerState> state = WorkerStateFromJson(*status_json);
  if (!state) return check;
  check.agent_running = state->agent_pid > 0 && alive(state->agent_pid);
  check.condor_running =
      check.agent_running && state->condor_master_pid > 0 && alive(state->condor_master_pid);
  return check;
}

std::string DescribeNotUp(const WorkerUpCheck& check, const std::string& config_problem) {
  if (!config_problem.empty()) return config_problem;
  if (!check.agent_running) return "the config is valid but osg-worker run is not running";
  return "osg-worker runs but HTCondor is not up";
}

std::string DescribeConfigProblem(const std::string& path, bool exists,
                                  const LoadedConfig& loaded) {
  if (loaded.ok()) return "";
  if (!exists) return "no " + path + " was written";
  for (const Diagnostic& d : loaded.diagnostics) {
    if (d.severity == Diagnostic::Severity::kError) {
      return "the config is not valid (" + d.ToString() + "; the journal has all of it)";
    }
  }
  return "the config is not valid (see the journal)";
}

int RunBootDeadline(double boot, const BootDeadlineSeams& seams, Seconds grace,
                    Seconds escalation) {
  // The timeout is reread while waiting: a config written after the boot may set BootTimeout.
  for (;;) {
    double due = boot + static_cast<double>(seams.timeout().count());
    double now = seams.boot_time_now();
    if (now >= due) break;
    seams.sleep(Seconds(std::clamp<int64_t>(static_cast<int64_t>(due - now) + 1, 1, 60)));
  }
  double give_up = seams.boot_time_now() + static_cast<double>(grace.count());
  WorkerUpCheck check = seams.check();
  while (!check.ok() && seams.boot_time_now() < give_up) {
    seams.sleep(Seconds(5));
    check = seams.check();
  }
  if (check.ok()) {
    seams.log("boot deadline: the worker is up; its own deadlines hold from here");
    return 0;
  }
  seams.log("boot deadline: " + FormatDuration(seams.timeout()) + " after the boot, " +
            DescribeNotUp(check, seams.config_problem()) +
            ": powering off, so that the instance does not bill for ever");
  // Level 2 is the kernel's power-off, which returns only when it failed: then exit non-zero
  // (systemd restarts the unit, which is past its deadline and tries again).
  for (int level = 0; level <= 2; ++level) {
    ShutdownStep step = seams.power_off(level);
    seams.log("boot deadline: " + step.action + ": " + (step.ok ? "ok" : "failed") +
              (step.detail.empty() ? "" : " (" + step.detail + ")"));
    if (level < 2) seams.sleep(step.ok ? escalation : Seconds(1));
  }
  return 1;
}

std::optional<double> InitStartedAt() {
  std::ifstream stat("/proc/1/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  for (int index = 3; fields >> field; ++index) {  // field 22: start time, clock ticks
    if (index == 22) return std::strtod(field.c_str(), nullptr) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return std::nullopt;
}

}  // namespace osg
