#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lifecycle.h"
#include "status.h"

namespace osg {

// What the agent needs of the process that runs HTCondor: Supervisor on a machine, a fake in
// agent_test.cc. See Supervisor for what each call means.
class MasterProcess {
 public:
  virtual ~MasterProcess() = default;
  virtual Status Start(TimePoint now) = 0;
  virtual bool Adopt(TimePoint now) = 0;
  virtual int exit_fd() const = 0;
  virtual bool OnAdoptedExit(TimePoint now) = 0;
  virtual bool OnExit(pid_t pid, int wait_status, TimePoint now) = 0;
  virtual std::optional<TimePoint> restart_at() const = 0;
  virtual void Stop(Seconds timeout) = 0;
  virtual void StopLeftovers(Seconds grace, pid_t keep) = 0;
  virtual pid_t pid() const = 0;
  virtual bool running() const = 0;
};

// Keeps one process (condor_master -f) running: restarts it with exponential backoff when it
// exits unexpectedly, stops it gracefully on request. The caller reaps children (it owns SIGCHLD)
// and reports exits through OnExit.
//
// The process outlives the agent (the unit's KillMode=process): an agent killed or crashed leaves
// HTCondor and its jobs running, and the next agent adopts that condor_master instead of starting
// a second one. `pid_file` names the running master (its pid and its start time, which guards
// against a reused pid); it lives under /run, so a reboot forgets it.
class Supervisor : public MasterProcess {
 public:
  using Logger = std::function<void(const std::string&)>;
  Supervisor(std::vector<std::string> argv, std::string pid_file, Logger logger);
  ~Supervisor() override;
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  Status Start(TimePoint now) override;
  // Takes over the process pid_file names if it is still the one that was started. Its exit
  // then shows on exit_fd() (it is not our child: no SIGCHLD) and is reported by OnAdoptedExit.
  bool Adopt(TimePoint now) override;
  bool adopted() const { return pidfd_ >= 0; }
  // Readable when an adopted process has exited; -1 when nothing is adopted.
  int exit_fd() const override { return pidfd_; }
  // True if the adopted process has exited (a restart is then scheduled).
  bool OnAdoptedExit(TimePoint now) override;
  // A child exited; true if it was ours (then a restart is scheduled unless we are stopping).
  bool OnExit(pid_t pid, int wait_status, TimePoint now) override;
  // When Start must be called again after a crash; empty if nothing is pending.
  std::optional<TimePoint> restart_at() const override { return restart_at_; }
  // Sends SIGTERM (HTCondor's graceful shutdown) and waits for the exit, up to `timeout`,
  // then SIGKILL. Reaps the process itself.
  void Stop(Seconds timeout) override;

  // The agent is the subreaper of HTCondor's daemons: when condor_master dies, the startd and
  // shared_port it left behind become our children. They must go before a new master starts
  // (they hold its port and would advertise a second startd). SIGTERM, the graceful shutdown,
  // then SIGKILL after `grace`. `keep` (or -1) is a child of the agent's own that is not
  // HTCondor's (the default image's preparer): it is neither stopped nor reaped here.
  void StopLeftovers(Seconds grace, pid_t keep) override;

  pid_t pid() const override { return pid_; }
  bool running() const override { return pid_ > 0; }
  int restarts() const { return restarts_; }

 private:
  // FindLeftovers in /proc; false (logged) when it cannot be read.
  bool Leftovers(bool adopted, pid_t keep, std::vector<pid_t>* found) const;
  void Exited(const std::string& how, TimePoint now);
  void Forget();
  bool Alive() const;
  void Signal(int signal) const;

  std::vector<std::string> argv_;
  std::string pid_file_;
  Logger logger_;
  pid_t pid_ = -1;
  int pidfd_ = -1;             // for an adopted process
  bool adopted_tree_ = false;  // the master's daemons are not our children
  TimePoint started_at_{};
  std::optional<TimePoint> restart_at_;
  Seconds backoff_{1};
  int restarts_ = 0;
};

// The processes Supervisor::StopLeftovers stops, read from `proc` (/proc; tests pass a made-up
// tree): children of `self` (the agent is the subreaper of HTCondor's daemons), and when the
// master was `adopted`, any HTCondor daemon ("condor_*": an adopted master's daemons are not our
// children, and on a worker every HTCondor process is ours); never `self` or `except`. An error when `proc` cannot be listed; unreadable entries are skipped.
Status FindLeftovers(const std::string& proc, pid_t self, const std::vector<pid_t>& except,
                     bool adopted,
                     std::vector<pid_t>* found);

}  // namespace osg
