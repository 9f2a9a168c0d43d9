#include "lifecycle.h"

#include <algorithm>

namespace osg {

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kRetiring:
      return "Retiring";
    case Phase::kJoining:
      return "Joining";
    case Phase::kIdle:
      return "Idle";
    case Phase::kBusy:
      return "Busy";
    case Phase::kStopping:
      return "Stopping";
    case Phase::kShuttingDown:
      return "ShuttingDown";
  }
  return "?";
}

const char* ActionName(Action action) {
  switch (action) {
    case Action::kStopAccepting:
      return "stop-accepting";
    case Action::kResumeAccepting:
      return "resume-accepting";
    case Action::kShutdown:
      return "shutdown";
  }
  return "?";
}

namespace {

std::string Describe(const Observation& o) {
  return std::to_string(o.claims) + " claims, " + std::to_string(o.jobs) + " jobs";
}

Seconds Since(TimePoint earlier, TimePoint now) {
  return std::chrono::duration_cast<Seconds>(now - earlier);
}

}  // namespace

Lifecycle::Lifecycle(Options options, Logger logger, TimePoint now)
    : Lifecycle(options, std::move(logger), Start{.now = now}) {}

Lifecycle::Lifecycle(Options options, Logger logger, Start start)
    : options_(options),
      logger_(std::move(logger)),
      start_(std::min(start.now, start.instance_start.value_or(start.now))),
      join_from_(std::clamp(start.in_pool_since.value_or(start_), start_, start.now)),
      answered_(start.now) {}

std::string Lifecycle::FormatTransition(Phase from, Phase to, const std::string& reason) {
  return std::string("lifecycle: ") + PhaseName(from) + " -> " + PhaseName(to) + " (" + reason +
         ")";
}

void Lifecycle::Transition(Phase to, const std::string& reason) {
  Phase from = phase_;
  phase_ = to;
  if (logger_) logger_(from, to, reason);
}

void Lifecycle::BecomeIdle(TimePoint now, const std::string& reason) {
  idle_since_ = now;
  retry_at_.reset();
  Transition(Phase::kIdle, reason);
}

std::vector<Action> Lifecycle::ShutDown(const std::string& reason) {
  shutdown_reason_ = reason;
  Transition(Phase::kShuttingDown, reason);
  return {Action::kShutdown};
}

// The one way to a shutdown but the two documented exits: START off, then the answer
// (StopConfirmed or StopFailed).
std::vector<Action> Lifecycle::BeginStop(const std::string& reason) {
  stop_reason_ = reason;
  stop_from_ = phase_ == Phase::kStopping ? stop_from_ : phase_;
  Transition(Phase::kStopping, reason + "; turning START off");
  return {Action::kStopAccepting};
}

void Lifecycle::Answered(TimePoint now) { answered_ = std::max(answered_, now); }

// The exits that skip the stop sequence: the lifetime cap's hard deadline, and a startd that
// cannot take part in it (silent, or refusing to turn START off) for condor_timeout.
std::vector<Action> Lifecycle::CondorDeadline(TimePoint now) {
  if (hard_deadline_ && now >= *hard_deadline_) {
    return ShutDown("maximum lifetime reached and the retirement time of " +
                    FormatDuration(options_.retirement_time) + " is over");
  }
  if (now >= answered_ + options_.condor_timeout) {
    return ShutDown("HTCondor's startd has not answered for " +
                    FormatDuration(Since(answered_, now)));
  }
  if (stop_failing_since_ && now >= *stop_failing_since_ + options_.condor_timeout) {
    return ShutDown("START could not be turned off for " +
                    FormatDuration(Since(*stop_failing_since_, now)) + " (" + stop_failure_ +
                    "); no claim was seen meanwhile");
  }
  return {};
}

// No new job from now on: START goes off at once; a busy worker lets its jobs finish, an idle
// one (or one that never joined) stops now.
std::vector<Action> Lifecycle::Retire(TimePoint now, const std::string& reason) {
  retiring_ = true;
  if (phase_ == Phase::kJoining) return BeginStop(reason + " before joining the pool");
  if (phase_ == Phase::kBusy) {
    Transition(Phase::kRetiring, reason + "; START off, running jobs finish first");
    return {Action::kStopAccepting};
  }
  if (phase_ == Phase::kIdle) {
    idle_since_ = idle_since_.value_or(now);
    return BeginStop(reason + ", no claims");
  }
  return {};  // Retiring, Stopping or ShuttingDown already
}

std::vector<Action> Lifecycle::Observe(const Observation& o, TimePoint now) {
  if (phase_ != Phase::kShuttingDown) Answered(now);
  if (o.Busy()) stop_failing_since_.reset();  // a claim came: the failing stop was not idle
  switch (phase_) {
    case Phase::kJoining:
      // A claim or a running job proves the pool matched this worker, whatever the collector
      // query says (it may be refused while advertising works, or the pool may be down while
      // the jobs of before an agent restart run on).
      if (!o.joined && !o.Busy()) return {};
      if (o.Busy()) {
        Transition(Phase::kBusy, std::string(o.joined ? "joined the pool" : "holds a claim") +
                                     "; " + Describe(o));
      } else if (resume_idle_since_ && *resume_idle_since_ <= now) {
        BecomeIdle(*resume_idle_since_, "joined the pool; no claims; idle clock resumed at " +
                                            FormatDuration(Since(*resume_idle_since_, now)));
      } else {
        BecomeIdle(now, "joined the pool; no claims");
      }
      resume_idle_since_.reset();
      return {};
    case Phase::kIdle:
      if (o.Busy()) {
        idle_since_.reset();
        Transition(Phase::kBusy, Describe(o));
      }
      return {};
    case Phase::kBusy:
      if (!o.Busy()) BecomeIdle(now, "no claims, no jobs");
      return {};
    case Phase::kRetiring:
      if (o.Busy()) return {};
      idle_since_ = now;
      retry_at_.reset();
      return BeginStop("retiring and the last job has ended");
    case Phase::kStopping:      // the answer comes through StopConfirmed
    case Phase::kShuttingDown:  // decided; nothing brings it back
      return {};
  }
  return {};
}

std::vector<Action> Lifecycle::Tick(TimePoint now) {
  if (phase_ == Phase::kShuttingDown || phase_ == Phase::kStopping) return {};
  if (std::vector<Action> actions = CondorDeadline(now); !actions.empty()) return actions;
  if (options_.max_lifetime && !hard_deadline_ && now >= start_ + *options_.max_lifetime) {
    hard_deadline_ = start_ + *options_.max_lifetime + options_.retirement_time;
    if (now >= *hard_deadline_) return CondorDeadline(now);
    if (!retiring_) {
      return Retire(now, "maximum lifetime " + FormatDuration(*options_.max_lifetime) + " reached");
    }
  }
  if (!retiring_ && now >= start_ + options_.accept_window) {
    return Retire(now, "accept window of " + FormatDuration(options_.accept_window) + " is over");
  }
  if (phase_ == Phase::kJoining) {
    if (retry_at_ && now < *retry_at_) return {};
    if (now >= JoinDeadline()) {
      return BeginStop("never joined the pool in " + FormatDuration(options_.join_timeout));
    }
    return {};
  }
  if (phase_ == Phase::kRetiring) {  // START could not be turned off yet: try again
    if (!retry_at_ || now < *retry_at_) return {};
    retry_at_.reset();
    return {Action::kStopAccepting};
  }
  if (phase_ != Phase::kIdle) return {};
  std::optional<TimePoint> due = IdleDeadline();
  if (due && retry_at_) due = std::max(*due, *retry_at_);
  if (!due || now < *due) return {};
  if (retiring_) return BeginStop("retiring, no claims");
  std::vector<Action> actions =
      BeginStop("idle " + FormatDuration(Since(*idle_since_, now)) + ", no claims");
  stop_reason_.clear();  // the idle time is said once, when the stop is confirmed
  return actions;
}

std::vector<Action> Lifecycle::StopConfirmed(const Observation& o, TimePoint now) {
  if (phase_ != Phase::kStopping && phase_ != Phase::kRetiring) return {};
  Answered(now);
  stop_failing_since_.reset();
  if (phase_ == Phase::kRetiring) {  // START is off now; the jobs finish, then the stop
    retry_at_.reset();
    if (o.Busy()) return {};
    return ShutDown("retiring; START is off and no claim is held");
  }
  if (o.Busy()) {
    idle_since_.reset();
    retry_at_.reset();
    if (retiring_) {  // START stays off: the claim runs out, then the machine goes
      Transition(Phase::kRetiring, "a claim won the race with the stop; " + Describe(o));
      return {};
    }
    // A claim arrived while we were deciding: it wins, and the idle clock restarts after it.
    Transition(Phase::kBusy, "a claim won the race with the stop; " + Describe(o));
    return {Action::kResumeAccepting};
  }
  std::string idle = idle_since_ ? "; idle " + FormatDuration(Since(*idle_since_, now)) : "";
  std::string why = stop_reason_.empty() ? "" : stop_reason_ + "; ";
  return ShutDown(why + "START is off and no claim is held" + idle);
}

std::vector<Action> Lifecycle::StopFailed(const std::string& why, TimePoint now) {
  if (phase_ != Phase::kStopping && phase_ != Phase::kRetiring) return {};
  retry_at_ = now + options_.stop_retry;
  if (!stop_failing_since_) stop_failing_since_ = now;
  stop_failure_ = why;
  std::string retry = "could not turn START off (" + why + "); retrying in " +
                      FormatDuration(options_.stop_retry);
  if (phase_ == Phase::kRetiring) {
    Transition(Phase::kRetiring, retry);
    return {};
  }
  Transition(stop_from_, retry);
  if (retiring_) return {};  // the window keeps START off anyway; retry the stop
  return {Action::kResumeAccepting};
}

std::optional<TimePoint> Lifecycle::IdleDeadline() const {
  if (phase_ != Phase::kIdle || !idle_since_) return std::nullopt;
  if (retiring_) return retry_at_;  // retiring: stop as soon as possible
  return *idle_since_ + options_.idle_timeout;
}

TimePoint Lifecycle::RetireTime() const {
  TimePoint retire = start_ + options_.accept_window;
  if (options_.max_lifetime) retire = std::min(retire, start_ + *options_.max_lifetime);
  return retire;
}

std::optional<TimePoint> Lifecycle::NextWakeup() const {
  if (phase_ == Phase::kShuttingDown || phase_ == Phase::kStopping) return std::nullopt;
  std::optional<TimePoint> wake;
  auto consider = [&wake](std::optional<TimePoint> t) {
    if (t && (!wake || *t < *wake)) wake = t;
  };
  if (phase_ == Phase::kJoining) consider(std::max(JoinDeadline(), retry_at_.value_or(start_)));
  if (phase_ == Phase::kRetiring) consider(retry_at_);
  if (!retiring_) consider(start_ + options_.accept_window);
  if (options_.max_lifetime && !hard_deadline_) consider(start_ + *options_.max_lifetime);
  consider(hard_deadline_);
  consider(answered_ + options_.condor_timeout);
  if (stop_failing_since_) consider(*stop_failing_since_ + options_.condor_timeout);
  std::optional<TimePoint> idle = IdleDeadline();
  if (idle && retry_at_) idle = std::max(*idle, *retry_at_);
  consider(idle);
  return wake;
}

}  // namespace osg
