#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "duration.h"

namespace osg {

using Clock = std::chrono::steady_clock;  // monotonic: a stepped wall clock moves no deadline
using TimePoint = Clock::time_point;

enum class Phase {
  kJoining,       // started; the worker's ad has not been seen by the pool yet
  kIdle,          // joined; no claim, no job: the idle clock runs
  kBusy,          // a slot is claimed or a job runs
  kStopping,      // idle timeout reached: START turned off, waiting to confirm no claim slipped in
  kShuttingDown,  // confirmed idle with START off: HTCondor stops and the shutdown action runs
};
const char* PhaseName(Phase phase);

// What the startd holds right now.
struct Observation {
  bool joined = false;  // the pool has accepted the worker (its ad is in the collector)
  int claims = 0;       // claimed slots
  int jobs = 0;         // running jobs
  bool Busy() const { return claims > 0 || jobs > 0; }
};

enum class Action {
  kStopAccepting,    // make the startd refuse new claims, then report StopConfirmed/StopFailed
  kResumeAccepting,  // undo kStopAccepting
  kShutdown,         // stop HTCondor, then run the shutdown action
};
const char* ActionName(Action action);

// The worker's lifecycle policy: pure, the clock injected. Every phase change goes through one
// function and is logged as one stable line, e.g. "lifecycle: Idle -> Stopping (idle 25m0s)".
// Race-free stop: the idle deadline only turns START off; the machine goes only once the startd,
// with START already off, is seen holding no claim. A claim that won the race sends it back to
// Busy.
class Lifecycle {
 public:
  struct Options {
    Seconds idle_timeout = std::chrono::minutes(25);
    Seconds stop_retry = std::chrono::seconds(30);  // after a failed attempt to turn START off
  };
  using Logger = std::function<void(const std::string&)>;

  Lifecycle(Options options, Logger logger, TimePoint now);

  std::vector<Action> Observe(const Observation& observation, TimePoint now);
  std::vector<Action> Tick(TimePoint now);
  // After kStopAccepting: what the startd holds now that START is off.
  std::vector<Action> StopConfirmed(const Observation& observation, TimePoint now);
  std::vector<Action> StopFailed(const std::string& why, TimePoint now);

  Phase phase() const { return phase_; }
  // When the idle timeout fires if nothing happens first; empty unless the clock runs.
  std::optional<TimePoint> IdleDeadline() const;
  std::optional<TimePoint> idle_since() const { return idle_since_; }
  // When Tick must be called next; empty when only an event can change anything.
  std::optional<TimePoint> NextWakeup() const;

 private:
  void Transition(Phase to, const std::string& reason);
  void BecomeIdle(TimePoint now, const std::string& reason);

  Options options_;
  Logger logger_;
  Phase phase_ = Phase::kJoining;
  std::optional<TimePoint> idle_since_;
  std::optional<TimePoint> retry_at_;  // a failed stop is retried here, not at the idle deadline
};

}  // namespace osg
