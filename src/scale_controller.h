#pragma once

// `osg-worker scale`'s loop (issue 12): each round it lists the group's instances in the cloud,
// the group's workers in the pool and the owner's idle jobs, updates its record, asks
// DecideScale, and carries the decision out: deletes, then launches. Every side effect is behind
// ScaleWorld, so the whole round is unit-tested with a fake cloud, pool and queue.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cloud_fleet.h"
#include "launcher.h"
#include "pool_view.h"
#include "queue_demand.h"
#include "scale_policy.h"
#include "scale_record.h"
#include "status.h"

namespace osg {

struct ScaleSetup {
  LaunchSpec spec;  // spec.group is the WorkerGroupName
  std::string config_text;
  std::string record_path;
  std::string name_prefix;
  ScaleLimits limits;  // cores_per_worker: the flavor's, from Prepare
  double su_per_core_hour = 1.0;
};

struct ScaleWorld {
  CloudFleet* fleet = nullptr;
  std::function<QueueDemand()> demand;
  // The group's workers in the pool; nullopt (with *error) when the collector cannot be asked.
  std::function<std::optional<PoolView>(std::string* error)> pool;
  std::function<int64_t()> now;
  Sleeper sleep;
  std::function<void(const std::string&)> log;
};

struct ScaleRound {
  bool ok = false;        // false: something could not be read, and nothing was decided
  int instances = 0;      // the group's instances after the round
  int demand_cores = 0;
};

class ScaleController {
 public:
  ScaleController(ScaleSetup setup, ScaleWorld world);

  // Loads the record (a missing one is a new record; an unreadable one is an error).
  Status Start();
  ScaleRound Round();

  const ScaleRecord& record() const { return record_; }

 private:
  void UpdateRecord(const std::vector<FleetInstance>& instances, const PoolView& pool, int64_t now);
  void Delete(const ScaleDeletion& deletion, int64_t now);
  bool LaunchOne(int64_t now);
  void Save();

  ScaleSetup setup_;
  ScaleWorld world_;
  ScaleRecord record_;
};

// `scale --status`: one line per instance of the group (name, id, cloud state, joined, busy or
// idle, age, SUs), then the SUs used and left.
std::string FormatScaleStatus(const ScaleRecord& record, const std::vector<FleetInstance>& instances,
                              const PoolView& pool, int64_t now, std::optional<double> budget);

}  // namespace osg
