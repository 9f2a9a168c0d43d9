#include "lifecycle.h"

#include <algorithm>

namespace osg {

const char* PhaseName(Phase phase) {
  switch (phase) {
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
    : options_(options), logger_(std::move(logger)) {
  (void)now;
}

void Lifecycle::Transition(Phase to, const std::string& reason) {
  if (logger_) {
    logger_(std::string("lifecycle: ") + PhaseName(phase_) + " -> " + PhaseName(to) + " (" +
            reason + ")");
  }
  phase_ = to;
}

void Lifecycle::BecomeIdle(TimePoint now, const std::string& reason) {
  idle_since_ = now;
  retry_at_.reset();
  Transition(Phase::kIdle, reason);
}

std::vector<Action> Lifecycle::Observe(const Observation& o, TimePoint now) {
  switch (phase_) {
    case Phase::kJoining:
      if (!o.joined) return {};
      if (o.Busy()) {
        Transition(Phase::kBusy, "joined the pool; " + Describe(o));
      } else {
        BecomeIdle(now, "joined the pool; no claims");
      }
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
    case Phase::kStopping:      // the answer comes through StopConfirmed
    case Phase::kShuttingDown:  // decided; nothing brings it back
      return {};
  }
  return {};
}

std::vector<Action> Lifecycle::Tick(TimePoint now) {
  if (phase_ != Phase::kIdle) return {};
  std::optional<TimePoint> due = NextWakeup();
  if (!due || now < *due) return {};
  Transition(Phase::kStopping,
             "idle " + FormatDuration(Since(*idle_since_, now)) + ", no claims; turning START off");
  return {Action::kStopAccepting};
}

std::vector<Action> Lifecycle::StopConfirmed(const Observation& o, TimePoint now) {
  if (phase_ != Phase::kStopping) return {};
  if (o.Busy()) {
    // A claim arrived while we were deciding: it wins, and the idle clock restarts after it.
    idle_since_.reset();
    Transition(Phase::kBusy, "a claim won the race with the stop; " + Describe(o));
    return {Action::kResumeAccepting};
  }
  Transition(Phase::kShuttingDown,
             "START is off and no claim is held; idle " + FormatDuration(Since(*idle_since_, now)));
  return {Action::kShutdown};
}

std::vector<Action> Lifecycle::StopFailed(const std::string& why, TimePoint now) {
  if (phase_ != Phase::kStopping) return {};
  retry_at_ = now + options_.stop_retry;
  Transition(Phase::kIdle, "could not turn START off (" + why + "); retrying in " +
                               FormatDuration(options_.stop_retry));
  return {Action::kResumeAccepting};
}

std::optional<TimePoint> Lifecycle::IdleDeadline() const {
  if (phase_ != Phase::kIdle || !idle_since_) return std::nullopt;
  return *idle_since_ + options_.idle_timeout;
}

std::optional<TimePoint> Lifecycle::NextWakeup() const {
  std::optional<TimePoint> deadline = IdleDeadline();
  if (deadline && retry_at_) return std::max(*deadline, *retry_at_);
  return deadline;
}

}  // namespace osg
