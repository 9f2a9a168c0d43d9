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
  kRetiring,      // accept window over or lifetime cap reached: no new job; running jobs finish
  kStopping,      // idle timeout reached: START turned off, waiting to confirm no claim slipped in
  kShuttingDown,  // decided: HTCondor stops and the shutdown action runs
};
const char* PhaseName(Phase phase);

// A job running in a dynamic slot, for the ledger.
struct RunningJob {
  std::string job_id;  // "cluster.proc" on its schedd
  std::string owner;
  std::string project;  // the job's ProjectName, if any
  double cpus = 0;
  std::string global_job_id;  // unique across schedds: finds the job's exit in the history
  bool operator==(const RunningJob&) const = default;
};

// A claim held on a (dynamic) slot, for the ledger.
struct HeldClaim {
  std::string slot;      // the slot's Name
  std::string claim_id;  // the startd's PublicClaimId (not the secret ClaimId); "" if unknown
  std::string owner;     // RemoteOwner: who claimed it
  double cpus = 0;
  bool operator==(const HeldClaim&) const = default;
};

// What the startd holds right now.
struct Observation {
  bool joined = false;              // the pool has accepted the worker (its ad is in the collector)
  int claims = 0;                   // claimed slots
  int jobs = 0;                     // running jobs
  std::vector<RunningJob> running;  // their details, when known
  std::vector<HeldClaim> held;      // the claims' details, when known
  double cores_claimed = 0;         // Cpus of the claimed slots (for metrics)
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
// Busy. The other ways out: never joining within the join timeout (a broken worker must not run
// up a bill), the end of the accept window (retire: running jobs finish, then stop), and the
// optional lifetime cap (retire, and after the retirement time stop even with jobs running).
class Lifecycle {
 public:
  struct Options {
    Seconds idle_timeout = std::chrono::minutes(25);
    Seconds stop_retry = std::chrono::seconds(30);  // after a failed attempt to turn START off
    Seconds join_timeout = std::chrono::minutes(30);
    Seconds accept_window = std::chrono::hours(24 * 7);
    std::optional<Seconds> max_lifetime;              // none: no cap
    Seconds retirement_time = std::chrono::hours(1);  // jobs' grace once the cap is reached
  };
  // Told of every phase change; FormatTransition gives its stable log line.
  using Logger = std::function<void(Phase from, Phase to, const std::string& reason)>;

  Lifecycle(Options options, Logger logger, TimePoint now);
  static std::string FormatTransition(Phase from, Phase to, const std::string& reason);

  // After an agent restart: the worker was idle since `since` (from the ledger); the idle clock
  // continues from there when the worker is next seen joined and idle, instead of from zero.
  void ResumeIdleFrom(TimePoint since) { resume_idle_since_ = since; }

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
  // When new jobs stop: the end of the accept window, or the lifetime cap if earlier.
  TimePoint RetireTime() const;
  // Why the machine is shutting down (empty before the decision): for the ledger and status.
  const std::string& shutdown_reason() const { return shutdown_reason_; }

 private:
  void Transition(Phase to, const std::string& reason);
  void BecomeIdle(TimePoint now, const std::string& reason);
  std::vector<Action> Retire(TimePoint now, const std::string& reason);
  std::vector<Action> ShutDown(const std::string& reason);
  std::vector<Action> BeginStop(const std::string& reason);

  Options options_;
  Logger logger_;
  TimePoint start_;
  Phase phase_ = Phase::kJoining;
  bool retiring_ = false;
  std::optional<TimePoint> hard_deadline_;  // lifetime cap + retirement time: stop regardless
  std::string shutdown_reason_;
  std::optional<TimePoint> resume_idle_since_;
  std::optional<TimePoint> idle_since_;
  std::optional<TimePoint> retry_at_;  // a failed stop is retried here, not at the idle deadline
};

}  // namespace osg
