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
    : options_(options), logger_(std::move(logger)), start_(now) {}

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

std::vector<Action> Lifecycle::BeginStop(const std::string& reason) {
  Transition(Phase::kStopping, reason + "; turning START off");
  return {Action::kStopAccepting};
}

// No new job from now on: a busy worker lets its jobs finish, an idle one stops now.
std::vector<Action> Lifecycle::Retire(TimePoint now, const std::string& reason) {
  retiring_ = true;
  if (phase_ == Phase::kJoining) return ShutDown(reason + " before joining the pool");
  if (phase_ == Phase::kBusy) {
    Transition(Phase::kRetiring, reason + "; running jobs finish first");
    return {};
  }
  if (phase_ == Phase::kIdle) {
    idle_since_ = idle_since_.value_or(now);
    return BeginStop(reason + ", no claims");
  }
  return {};  // Retiring, Stopping or ShuttingDown already
}

std::vector<Action> Lifecycle::Observe(const Observation& o, TimePoint now) {
  switch (phase_) {
    case Phase::kJoining:
      if (!o.joined) return {};
      if (o.Busy()) {
        Transition(Phase::kBusy, "joined the pool; " + Describe(o));
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
      return BeginStop("retiring and the last job has ended");
    case Phase::kStopping:      // the answer comes through StopConfirmed
    case Phase::kShuttingDown:  // decided; nothing brings it back
      return {};
  }
  return {};
}

std::vector<Action> Lifecycle::Tick(TimePoint now) {
  if (phase_ == Phase::kShuttingDown || phase_ == Phase::kStopping) return {};
  if (phase_ == Phase::kJoining && now >= start_ + options_.join_timeout) {
    return ShutDown("never joined the pool in " + FormatDuration(options_.join_timeout));
  }
  if (hard_deadline_ && now >= *hard_deadline_) {
    return ShutDown("maximum lifetime reached and the retirement time of " +
                    FormatDuration(options_.retirement_time) + " is over");
  }
  if (options_.max_lifetime && !hard_deadline_ && now >= start_ + *options_.max_lifetime) {
    hard_deadline_ = now + options_.retirement_time;
    if (!retiring_) {
      return Retire(now, "maximum lifetime " + FormatDuration(*options_.max_lifetime) + " reached");
    }
  }
  if (!retiring_ && now >= start_ + options_.accept_window) {
    return Retire(now, "accept window of " + FormatDuration(options_.accept_window) + " is over");
  }
  if (phase_ != Phase::kIdle) return {};
  std::optional<TimePoint> due = IdleDeadline();
  if (due && retry_at_) due = std::max(*due, *retry_at_);
  if (!due || now < *due) return {};
  return BeginStop("idle " + FormatDuration(Since(*idle_since_, now)) + ", no claims");
}

std::vector<Action> Lifecycle::StopConfirmed(const Observation& o, TimePoint now) {
  if (phase_ != Phase::kStopping) return {};
  if (o.Busy()) {
    idle_since_.reset();
    if (retiring_) {  // START stays off: the claim runs out, then the machine goes
      Transition(Phase::kRetiring, "a claim won the race with the stop; " + Describe(o));
      return {};
    }
    // A claim arrived while we were deciding: it wins, and the idle clock restarts after it.
    Transition(Phase::kBusy, "a claim won the race with the stop; " + Describe(o));
    return {Action::kResumeAccepting};
  }
  std::string idle = idle_since_ ? "; idle " + FormatDuration(Since(*idle_since_, now)) : "";
  return ShutDown("START is off and no claim is held" + idle);
}

std::vector<Action> Lifecycle::StopFailed(const std::string& why, TimePoint now) {
  if (phase_ != Phase::kStopping) return {};
  retry_at_ = now + options_.stop_retry;
  Transition(Phase::kIdle, "could not turn START off (" + why + "); retrying in " +
                               FormatDuration(options_.stop_retry));
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
  if (phase_ == Phase::kJoining) consider(start_ + options_.join_timeout);
  if (!retiring_) consider(start_ + options_.accept_window);
  if (options_.max_lifetime && !hard_deadline_) consider(start_ + *options_.max_lifetime);
  consider(hard_deadline_);
  std::optional<TimePoint> idle = IdleDeadline();
  if (idle && retry_at_) idle = std::max(*idle, *retry_at_);
  consider(idle);
  return wake;
}

}  // namespace osg
