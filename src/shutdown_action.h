#pragma once

#include <functional>
#include <string>

#include "cloud_instance.h"
#include "config.h"
#include "duration.h"
#include "subprocess.h"

namespace osg {

// One attempt of the shutdown sequence, for the log and the ledger.
struct ShutdownStep {
  std::string action;  // "delete", "shelve", "poweroff", "none", "command:/path"
  bool ok = false;
  std::string detail;  // never holds a credential
};

using ShutdownReporter = std::function<void(const ShutdownStep&)>;

// Tries per cloud step: waits of 1, 2, 4, 8 s between them (~15 s), then the next fallback.
inline constexpr int kCloudAttempts = 5;

// Carries out the configured shutdown action once HTCondor is stopped. `delete` asks the cloud's
// API to remove the instance; where the cloud refuses and can shelve (OpenStack), it shelves
// instead; `shelve` shelves. A cloud step that fails in the end falls back to a power-off: the
// instance never stays up for ever. Each attempt is reported through `report` as it ends.
// Returns whether the last attempt succeeded.
bool PerformShutdownAction(const Settings& settings, const ShutdownReporter& report);

// The cloud part of it, `kind` kDelete or kShelve: identity, then the step with retries for
// retryable outcomes (sleeping through `sleep`), then shelve after a refused delete where the
// cloud can. True when the instance is gone, going, or shelved.
bool RemoveThroughCloud(CloudInstance& cloud, ShutdownAction::Kind kind,
                        const ShutdownReporter& report, const std::function<void(Seconds)>& sleep,
                        int attempts = kCloudAttempts);

// After a shutdown decision the instance never stays up. When the action failed, or succeeded
// but the machine is still up a while later, the power-off is escalated one level per call:
// 0: a clean power-off (`systemctl poweroff`, or `poweroff` without systemd);
// 1: the forced one (`systemctl poweroff --force`, `poweroff -f`): no service stop, which a hung
//    unit cannot block;
// 2 and later: the kernel's immediate power-off, after a sync (reboot(2), RB_POWER_OFF).
struct PowerOffSeams {
  bool systemd = false;  // /run/systemd/system exists
  std::function<CommandResult(const std::vector<std::string>&)> run;
  std::function<int()> kernel_power_off;  // returns only on failure (-1, errno set)
};
ShutdownStep EscalatePowerOff(int level, const PowerOffSeams& seams);
// The real ones. kernel_power_off ends the machine: never call it from a test.
PowerOffSeams RealPowerOffSeams();

// Between escalation levels. (How long after a successful action the machine may still be up
// before the escalation starts is the config's ShutdownGrace.)
inline constexpr Seconds kEscalationGrace{60};

}  // namespace osg
