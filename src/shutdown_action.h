#pragma once

#include <functional>
#include <string>

#include "cloud_instance.h"
#include "config.h"
#include "duration.h"

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

}  // namespace osg
