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
  kRetiring,      // accept window over or lifetime cap reached: START off; running jobs finish
  kStopping,      // a stop began: START turned off, waiting to confirm no claim slipped in
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
// Busy. Every way out goes through that stop: the idle timeout, never joining within the join
// timeout (a broken worker must not run up a bill), and retiring (the end of the accept window or
// the lifetime cap: START goes off at once, running jobs finish, then the stop). Two exits skip
// it, as they must: the lifetime cap's hard deadline (documented as killing), and a startd that
// has not answered for `condor_timeout` (no stop can be confirmed with it, and no job can be
// started by it) or that keeps refusing to turn START off for as long.
//
// The deadlines (join timeout, accept window, lifetime cap) count from the instance's start,
// which the agent gives from the ledger, not from the agent's own start: a crash loop or a
// reboot does not reset them.
class Lifecycle {
 public:
  struct Options {
    Seconds idle_timeout = std::chrono::minutes(25);
    Seconds stop_retry = std::chrono::seconds(30);  // after a failed attempt to turn START off
    Seconds join_timeout = std::chrono::minutes(30);
    Seconds accept_window = std::chrono::hours(24 * 7);
    std::optional<Seconds> max_lifetime;              // none: no cap
    Seconds retirement_time = std::chrono::hours(1);  // jobs' grace once the cap is reached
    Seconds condor_timeout = std::chrono::minutes(30);  // startd silent or refusing this long: go
  };
  // Told of every phase change; FormatTransition gives its stable log line.
  using Logger = std::function<void(Phase from, Phase to, const std::string& reason)>;

  // `now` is the agent's start; `instance_start` the instance's first start (the ledger's first
  // agent_start), when the deadlines count from; `in_pool_since` when the worker was last known
  // to be in the pool (before this agent), from when the join timeout counts if that is later.
  struct Start {
    TimePoint now;
    std::optional<TimePoint> instance_start;
    std::optional<TimePoint> in_pool_since;
  };
  Lifecycle(Options options, Logger logger, TimePoint now);
  Lifecycle(Options options, Logger logger, Start start);
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
  // The instance's start, when the accept window and the lifetime cap count from.
  TimePoint InstanceStart() const { return start_; }
  // When the join timeout fires if the worker has not joined by then.
  TimePoint JoinDeadline() const { return join_from_ + options_.join_timeout; }
  // Why the machine is shutting down (empty before the decision): for the ledger and status.
  const std::string& shutdown_reason() const { return shutdown_reason_; }

 private:
  void Transition(Phase to, const std::string& reason);
  void BecomeIdle(TimePoint now, const std::string& reason);
  std::vector<Action> Retire(TimePoint now, const std::string& reason);
  std::vector<Action> ShutDown(const std::string& reason);
  std::vector<Action> BeginStop(const std::string& reason);
  std::vector<Action> CondorDeadline(TimePoint now);
  void Answered(TimePoint now);

  Options options_;
  Logger logger_;
  TimePoint start_;      // the instance's start: the accept window and lifetime cap count from it
  TimePoint join_from_;  // the join timeout counts from here
  TimePoint answered_;   // the startd's last answer (or the agent's start)
  Phase phase_ = Phase::kJoining;
  bool retiring_ = false;
  std::optional<TimePoint> hard_deadline_;  // lifetime cap + retirement time: stop regardless
  std::string shutdown_reason_;
  std::optional<TimePoint> resume_idle_since_;
  std::optional<TimePoint> idle_since_;
  std::optional<TimePoint> retry_at_;  // a failed stop is retried here, not at the idle deadline
  std::string stop_reason_;            // why the stop under way began
  Phase stop_from_ = Phase::kIdle;     // where a failed stop returns to
  std::optional<TimePoint> stop_failing_since_;
  std::string stop_failure_;
};

}  // namespace osg
