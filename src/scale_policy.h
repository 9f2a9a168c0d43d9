#pragma once

// The scale controller's rule (`osg-worker scale`, issue 12): from what the cloud and the pool
// show now, how many workers to launch and which to delete. Pure: no clock, no cloud, no HTCondor;
// the controller gathers the inputs and carries out the decision.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace osg {

// One worker of the group as the controller sees it: the cloud's state of the instance, and
// whether the pool lists it.
struct ScaledWorker {
  enum class Cloud { kBooting, kActive, kStopped, kShelved, kError };
  std::string id;
  Cloud cloud = Cloud::kBooting;
  bool joined = false;      // listed by the pool's collector (WorkerGroupName and its name)
  int64_t launched_at = 0;  // wall time, seconds
};

struct ScaleLimits {
  int max_workers = 0;         // running + booting never goes past it
  int cores_per_worker = 1;    // the flavor's
  int max_booting = 3;         // launched and not yet joined, at once
  int64_t cooldown = 120;      // seconds between launches
  int64_t join_timeout = 900;  // a worker not joined this long after its launch is deleted
  std::optional<double> budget_sus;  // none: no budget
};

struct ScaleInputs {
  int64_t now = 0;
  int demand_cores = 0;  // the cores the owner's idle jobs that Start accepts ask for
  std::vector<ScaledWorker> workers;
  std::optional<int64_t> last_launch;
  double used_sus = 0;  // what the workers it launched have cost so far (its record)
  // A worker it launched was deleted for not joining, and none has joined since: the next ones
  // go one at a time, so that a wrong token or a broken image costs one worker per join
  // timeout, not a storm.
  bool join_failed_since_last_join = false;
};

struct ScaleDeletion {
  std::string id;
  std::string reason;
};

struct ScaleDecision {
  int launch = 0;
  std::vector<ScaleDeletion> deletions;
  int running = 0;  // joined
  int booting = 0;  // launched, not joined, within the join timeout
  std::string why;  // why `launch` is what it is: the end of the decision's log line
  // One stable line: "scale: demand 12 cores, 1 running, 2 booting: launch 0 (...)".
  std::string LogLine(int demand_cores) const;
};

ScaleDecision DecideScale(const ScaleLimits& limits, const ScaleInputs& inputs);

}  // namespace osg
