#pragma once

#include <functional>
#include <string>

#include "config.h"

namespace osg {

// One attempt of the shutdown sequence, for the log and the ledger.
struct ShutdownStep {
  std::string action;  // "delete", "poweroff", "none", "command:/path"
  bool ok = false;
  std::string detail;  // never holds a credential
};

// Carries out the configured shutdown action once HTCondor is stopped. `delete` asks the cloud's
// API to remove the instance (retrying a 5xx or a timeout with backoff) and falls back to a
// power-off when the cloud refuses or never answers: the instance never stays up for ever. Each
// attempt is reported through `report` as it ends. Returns whether the last attempt succeeded.
bool PerformShutdownAction(const Settings& settings,
                           const std::function<void(const ShutdownStep&)>& report);

}  // namespace osg
