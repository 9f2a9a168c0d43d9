#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "lifecycle.h"
#include "status.h"

namespace osg {

// Keeps one process (condor_master -f) running: restarts it with exponential backoff when it
// exits unexpectedly, stops it gracefully on request. The caller reaps children (it owns SIGCHLD)
// and reports exits through OnExit.
class Supervisor {
 public:
  using Logger = std::function<void(const std::string&)>;
  Supervisor(std::vector<std::string> argv, Logger logger);

  Status Start(TimePoint now);
  // A child exited; true if it was ours (then a restart is scheduled unless we are stopping).
  bool OnExit(pid_t pid, int wait_status, TimePoint now);
  // When Start must be called again after a crash; empty if nothing is pending.
  std::optional<TimePoint> restart_at() const { return restart_at_; }
  // Sends SIGTERM (HTCondor's graceful shutdown) and waits for the exit, up to `timeout`,
  // then SIGKILL. Reaps the process itself.
  void Stop(Seconds timeout);

  // The agent is the subreaper of HTCondor's daemons: when condor_master dies, the startd and
  // shared_port it left behind become our children. They must go before a new master starts
  // (they hold its port and would advertise a second startd). SIGTERM, the graceful shutdown,
  // then SIGKILL after `grace`.
  void StopLeftovers(Seconds grace);

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  int restarts() const { return restarts_; }

 private:
  std::vector<std::string> argv_;
  Logger logger_;
  pid_t pid_ = -1;
  TimePoint started_at_{};
  std::optional<TimePoint> restart_at_;
  Seconds backoff_{1};
  int restarts_ = 0;
};

}  // namespace osg
