#include "shutdown_action.h"

#include <sys/reboot.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "subprocess.h"

namespace osg {
namespace {

ShutdownStep PowerOff() { return EscalatePowerOff(0, RealPowerOffSeams()); }

ShutdownStep RunOwnCommand(const std::string& path) {
  CommandResult result = RunCommand({path}, std::chrono::minutes(5));
  return {"command:" + path, result.ok(),
          result.ok() ? "" : "exit status " + std::to_string(result.exit_status)};
}

// One cloud step ("delete" or "shelve") with retries; its last outcome.
CloudResult::Outcome Attempt(CloudInstance& cloud, const std::string& action,
                             CloudResult (CloudInstance::*step)(), const ShutdownReporter& report,
                             const std::function<void(Seconds)>& sleep, int attempts) {
  Seconds wait{1};
  CloudResult result;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    result = (cloud.*step)();
    bool gone = result.outcome == CloudResult::Outcome::kDone ||
                result.outcome == CloudResult::Outcome::kAlreadyGone;
    report({action, gone,
            cloud.Name() + ": " + OutcomeName(result.outcome) +
                (result.detail.empty() ? "" : " (" + result.detail + ")")});
    if (gone || result.outcome == CloudResult::Outcome::kRefused) break;  // no retry helps
    if (attempt < attempts) sleep(wait);
    wait *= 2;
  }
  return result.outcome;
}

bool Gone(CloudResult::Outcome outcome) {
  return outcome == CloudResult::Outcome::kDone || outcome == CloudResult::Outcome::kAlreadyGone;
}

void SleepFor(Seconds wait) { std::this_thread::sleep_for(wait); }

}  // namespace

bool RemoveThroughCloud(CloudInstance& cloud, ShutdownAction::Kind kind,
                        const ShutdownReporter& report, const std::function<void(Seconds)>& sleep,
                        int attempts) {
  const char* first = kind == ShutdownAction::Kind::kShelve ? "shelve" : "delete";
  Status identity = cloud.FetchIdentity();
  if (!identity.ok()) {
    report({first, false, "cannot read this instance's identity: " + identity.message()});
    return false;
  }
  if (kind != ShutdownAction::Kind::kShelve) {
    CloudResult::Outcome deleted =
        Attempt(cloud, "delete", &CloudInstance::Delete, report, sleep, attempts);
    if (Gone(deleted)) return true;
    // A refused delete (no permission, a locked server) may still allow a shelve, which stops
    // the bill too; a cloud that never answered will not answer a shelve either.
    if (deleted != CloudResult::Outcome::kRefused || !cloud.CanShelve()) return false;
  }
  return Gone(Attempt(cloud, "shelve", &CloudInstance::Shelve, report, sleep, attempts));
}

bool PerformShutdownAction(const Settings& settings, const ShutdownReporter& report) {
  ShutdownAction::Kind kind = settings.shutdown_action.kind;
  if (kind == ShutdownAction::Kind::kAuto) {
    kind = settings.cloud.empty() ? ShutdownAction::Kind::kPowerOff : ShutdownAction::Kind::kDelete;
  }
  ShutdownStep step;
  switch (kind) {
    case ShutdownAction::Kind::kDelete:
    case ShutdownAction::Kind::kShelve: {
      std::string error;
      std::unique_ptr<CloudInstance> cloud = MakeCloudInstance(settings, &error);
      if (!cloud) {
        report({kind == ShutdownAction::Kind::kShelve ? "shelve" : "delete", false, error});
      } else if (RemoveThroughCloud(*cloud, kind, report, SleepFor)) {
        return true;
      }
      step = PowerOff();  // a stopped instance may still cost, but less than a running one
      break;
    }
    case ShutdownAction::Kind::kCommand:
      step = RunOwnCommand(settings.shutdown_action.command);
      break;
    case ShutdownAction::Kind::kNone:
      step = {"none", true, "HTCondor stopped; the machine stays up"};
      break;
    case ShutdownAction::Kind::kAuto:
    case ShutdownAction::Kind::kPowerOff:
      step = PowerOff();
      break;
  }
  report(step);
  return step.ok;
}

ShutdownStep EscalatePowerOff(int level, const PowerOffSeams& seams) {
  if (level >= 2) {
    int result = seams.kernel_power_off();  // returns only if it failed
    return {"poweroff-kernel", false,
            "reboot(RB_POWER_OFF) returned " + std::to_string(result) + ": " +
                std::strerror(errno)};
  }
  std::vector<std::string> argv =
      seams.systemd ? std::vector<std::string>{"systemctl", "poweroff"}
                    : std::vector<std::string>{"poweroff"};
  if (level == 1) argv.push_back(seams.systemd ? "--force" : "-f");
  CommandResult result = seams.run(argv);
  return {level == 0 ? "poweroff" : "poweroff-force", result.ok(),
          result.ok() ? "" : "exit status " + std::to_string(result.exit_status)};
}

PowerOffSeams RealPowerOffSeams() {
  return {.systemd = access("/run/systemd/system", F_OK) == 0,
          .run = [](const std::vector<std::string>& argv) { return RunCommand(argv); },
          .kernel_power_off = [] {
            sync();  // the ledger and the journal are fsynced already; the rest of the disk now
            return reboot(RB_POWER_OFF);
          }};
}

}  // namespace osg
