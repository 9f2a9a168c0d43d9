#include "scale_policy.h"

#include <algorithm>
#include <cstdio>

namespace osg {
namespace {

std::string Number(double value) {
  char text[32];
  snprintf(text, sizeof text, "%.1f", value);
  return text;
}

// Deletes what must go and counts what stays: orphans (stopped, shelved, in error: they bill or
// hold quota and run nothing) and workers past the join timeout are deleted.
bool SortWorkers(const ScaleLimits& limits, const ScaleInputs& inputs, ScaleDecision* decision) {
  bool not_joined_in_time = false;
  for (const ScaledWorker& worker : inputs.workers) {
    switch (worker.cloud) {
      case ScaledWorker::Cloud::kStopped:
        decision->deletions.push_back({worker.id, "orphan: stopped"});
        continue;
      case ScaledWorker::Cloud::kShelved:
        decision->deletions.push_back({worker.id, "orphan: shelved"});
        continue;
      case ScaledWorker::Cloud::kError:
        decision->deletions.push_back({worker.id, "orphan: in error"});
        continue;
      case ScaledWorker::Cloud::kBooting:
      case ScaledWorker::Cloud::kActive:
        break;
    }
    if (worker.joined) {
      ++decision->running;
    } else if (inputs.now - worker.launched_at > limits.join_timeout) {
      decision->deletions.push_back(
          {worker.id, "not joined " + std::to_string(inputs.now - worker.launched_at) +
                          " s after its launch (join timeout " +
                          std::to_string(limits.join_timeout) + " s)"});
      not_joined_in_time = true;
    } else {
      ++decision->booting;
    }
  }
  return not_joined_in_time;
}

}  // namespace

ScaleDecision DecideScale(const ScaleLimits& limits, const ScaleInputs& inputs) {
  ScaleDecision decision;
  bool not_joined_in_time = SortWorkers(limits, inputs, &decision);
  int cores = std::max(1, limits.cores_per_worker);
  int wanted = (std::max(0, inputs.demand_cores) + cores - 1) / cores;
  int room = limits.max_workers - (decision.running + decision.booting);
  int booting_limit = inputs.join_failed_since_last_join || not_joined_in_time
                          ? 1
                          : std::max(1, limits.max_booting);
  if (not_joined_in_time) {
    decision.why = "a worker did not join in time: none launched until it is deleted";
  } else if (limits.budget_sus && inputs.used_sus >= *limits.budget_sus) {
    decision.why = "budget reached: " + Number(inputs.used_sus) + " of " +
                   Number(*limits.budget_sus) + " SUs used";
  } else if (wanted - decision.booting <= 0) {
    decision.why = inputs.demand_cores <= 0 ? "no idle job for this group"
                                            : "the booting workers cover the demand";
  } else if (room <= 0) {
    decision.why = "at the maximum of " + std::to_string(limits.max_workers) + " workers";
  } else if (decision.booting >= booting_limit) {
    decision.why = std::to_string(decision.booting) + " booting, the limit" +
                   (inputs.join_failed_since_last_join ? " after a failed join" : "") + " is " +
                   std::to_string(booting_limit);
  } else if (inputs.last_launch && inputs.now - *inputs.last_launch < limits.cooldown) {
    decision.why = "cooling down: the next launch in " +
                   std::to_string(*inputs.last_launch + limits.cooldown - inputs.now) + " s";
  } else {
    decision.launch =
        std::min({room, wanted - decision.booting, booting_limit - decision.booting});
    decision.why = std::to_string(wanted) + " wanted for the demand, at most " +
                   std::to_string(limits.max_workers) +
                   (inputs.join_failed_since_last_join ? ", one at a time after a failed join"
                                                       : "");
  }
  return decision;
}

std::string ScaleDecision::LogLine(int demand_cores) const {
  return "scale: demand " + std::to_string(demand_cores) + " cores, " + std::to_string(running) +
         " running, " + std::to_string(booting) + " booting: launch " + std::to_string(launch) +
         " (" + why + ")";
}

}  // namespace osg
