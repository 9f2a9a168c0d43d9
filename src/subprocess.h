#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace osg {

struct CommandResult {
  int exit_status = -1;  // -1 when it could not run or was killed for the timeout
  std::string output;    // stdout (stderr goes to ours, which is the journal under systemd)
  bool ok() const { return exit_status == 0; }
};

// Runs argv[0] (looked up in PATH) with a minimal environment (PATH, HOME, LANG): nothing of ours,
// and never a secret, reaches a child through its arguments or environment.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30));

// The same, but the child inherits our whole environment: for commands a user runs by hand on
// their own machine (`osg-worker pool`), whose HTCondor tools may need CONDOR_CONFIG, HOME (for
// ~/.condor/tokens.d) or _CONDOR_* settings. Never use it from the agent.
CommandResult RunUserCommand(const std::vector<std::string>& argv,
                             std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Starts argv in the background with the same minimal environment; returns its pid or -1.
pid_t SpawnProcess(const std::vector<std::string>& argv);

// True when a process with this pid exists (signal 0).
bool ProcessAlive(int64_t pid);

}  // namespace osg
