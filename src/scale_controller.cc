#include "scale_controller.h"

#include <cstdio>
#include <set>
#include <sstream>
#include <utility>

namespace osg {
namespace {

bool Removed(const CloudResult& result) {
  return result.outcome == CloudResult::Outcome::kDone ||
         result.outcome == CloudResult::Outcome::kAlreadyGone;
}

std::string Sus(double value) {
  char text[32];
  snprintf(text, sizeof text, "%.2f", value);
  return text;
}

const WorkerRow* PoolRowFor(const PoolView& pool, const std::string& launch_name) {
  for (const WorkerRow& row : pool.workers) {
    if (!launch_name.empty() && row.launch_name == launch_name) return &row;
  }
  return nullptr;
}

}  // namespace

ScaleController::ScaleController(ScaleSetup setup, ScaleWorld world)
    : setup_(std::move(setup)), world_(std::move(world)) {}

Status ScaleController::Start() {
  ScaleRecordLoad loaded = LoadScaleRecord(setup_.record_path, setup_.spec.group);
  if (!loaded.status.ok()) return loaded.status;
  record_ = std::move(loaded.record);
  // Written once now, so that a record that cannot be kept stops the controller before its first
  // launch rather than after it, and `scale --status` finds the group's record from the start.
  return SaveScaleRecord(setup_.record_path, record_);
}

void ScaleController::Save() {
  Status saved = SaveScaleRecord(setup_.record_path, record_);
  if (!saved.ok()) world_.log("scale: cannot write the record: " + saved.message());
}

void ScaleController::UpdateRecord(const std::vector<FleetInstance>& instances,
                                   const PoolView& pool, int64_t now) {
  for (LaunchedWorker& worker : record_.workers) {
    if (worker.ended_at) continue;
    const FleetInstance* found = nullptr;
    for (const FleetInstance& instance : instances) {
      if (instance.name == worker.name) found = &instance;
    }
    if (!found) {
      // Gone from the cloud: it deleted itself (or someone did). One without an id is a launch
      // the controller did not live to finish (the record is written before each create):
      // not in the cloud now, it ends too, its time so far counted, as the budget must.
      worker.ended_at = now;
      world_.log("scale: " + worker.name +
                 (worker.id.empty() ? " was not created (the controller stopped during its launch)"
                                    : " (" + worker.id + ") is gone"));
      continue;
    }
    worker.id = found->id;
    if (!worker.joined && PoolRowFor(pool, worker.name)) {
      worker.joined = true;
      record_.join_failed_since_last_join = false;
      world_.log("scale: " + worker.name + " joined, " + std::to_string(now - worker.launched_at) +
                 " s after its launch");
    }
  }
}

void ScaleController::Delete(const ScaleDeletion& deletion, int64_t now) {
  CloudResult result = DeleteWithRetries(*world_.fleet, deletion.id, world_.sleep);
  world_.log("scale: delete " + deletion.id + " (" + deletion.reason + "): " +
             OutcomeName(result.outcome) + (result.detail.empty() ? "" : ": " + result.detail));
  if (!Removed(result)) return;
  for (LaunchedWorker& worker : record_.workers) {
    if (worker.id != deletion.id || worker.ended_at) continue;
    worker.ended_at = now;
    if (!worker.joined) record_.join_failed_since_last_join = true;
  }
}

bool ScaleController::LaunchOne(int64_t now) {
  std::string prefix =
      setup_.name_prefix.empty() ? DefaultNamePrefix(setup_.spec.group) : setup_.name_prefix;
  LaunchedWorker worker;
  worker.name = NewLaunchNames(prefix, 1)[0];
  worker.launched_at = now;
  worker.cores = setup_.limits.cores_per_worker;
  worker.sus_per_core_hour = setup_.su_per_core_hour;
  // Written before the create: a crash right after it must not lose what the worker costs.
  record_.workers.push_back(worker);
  record_.last_launch = now;
  Save();
  LaunchResult result =
      LaunchWorkers(*world_.fleet, setup_.spec, setup_.config_text, {worker.name}, world_.sleep);
  LaunchedWorker& recorded = record_.workers.back();
  if (!result.ok()) {
    recorded.ended_at = world_.now();
    Save();
    world_.log("scale: launch failed: " + result.error);
    return false;
  }
  recorded.id = result.created[0].id;
  Save();
  world_.log("scale: launched " + worker.name + " (" + recorded.id + ")");
  return true;
}

ScaleRound ScaleController::Round() {
  ScaleRound round;
  int64_t now = world_.now();
  std::vector<FleetInstance> instances;
  CloudResult listed = world_.fleet->List(setup_.spec.group, &instances);
  if (listed.outcome != CloudResult::Outcome::kDone) {
    world_.log("scale: cannot list the group's instances (" + listed.detail + "): nothing decided");
    return round;
  }
  std::string error;
  std::optional<PoolView> pool = world_.pool(&error);
  if (!pool) {
    world_.log("scale: cannot read the pool (" + error + "): nothing decided");
    return round;
  }
  QueueDemand demand = world_.demand();
  if (!demand.ok()) {
    world_.log("scale: cannot read the queue (" + demand.error + "): nothing decided");
    return round;
  }
  UpdateRecord(instances, *pool, now);
  Save();

  ScaleInputs inputs;
  inputs.now = now;
  inputs.demand_cores = demand.cores;
  inputs.last_launch = record_.last_launch;
  inputs.used_sus = SusUsed(record_, now);
  inputs.join_failed_since_last_join = record_.join_failed_since_last_join;
  for (const FleetInstance& instance : instances) {
    ScaledWorker worker;
    worker.id = instance.id;
    worker.cloud = instance.state;
    worker.joined = PoolRowFor(*pool, instance.name) != nullptr;
    worker.launched_at = instance.launched_at > 0 ? instance.launched_at : now;
    for (const LaunchedWorker& launched : record_.workers) {
      if (launched.name == instance.name) worker.launched_at = launched.launched_at;
    }
    inputs.workers.push_back(worker);
  }
  ScaleDecision decision = DecideScale(setup_.limits, inputs);
  world_.log(decision.LogLine(demand.cores) +
             (demand.too_big > 0 ? "; " + std::to_string(demand.too_big) +
                                       " idle jobs ask for more cores than a worker has"
                                 : ""));
  round.instances = static_cast<int>(instances.size());
  for (const ScaleDeletion& deletion : decision.deletions) {
    Delete(deletion, now);
    --round.instances;
  }
  Save();
  for (int i = 0; i < decision.launch; ++i) {
    if (!LaunchOne(now)) break;
    ++round.instances;
  }
  round.ok = true;
  round.demand_cores = demand.cores;
  return round;
}

std::string FormatScaleStatus(const ScaleRecord& record, const std::vector<FleetInstance>& instances,
                              const PoolView& pool, int64_t now, std::optional<double> budget) {
  std::ostringstream out;
  char line[256];
  snprintf(line, sizeof line, "%-24s %-38s %-18s %-7s %-6s %8s %8s\n", "NAME", "ID", "CLOUD STATE",
           "JOINED", "JOBS", "AGE MIN", "SUS");
  out << line;
  for (const FleetInstance& instance : instances) {
    const WorkerRow* row = PoolRowFor(pool, instance.name);
    double sus = 0;
    int64_t launched = instance.launched_at;
    for (const LaunchedWorker& worker : record.workers) {
      if (worker.name != instance.name) continue;
      ScaleRecord one;
      one.workers = {worker};
      sus = SusUsed(one, now);
      launched = worker.launched_at;
    }
    std::string jobs = row ? (row->jobs > 0 ? std::to_string(row->jobs) : "idle") : "-";
    snprintf(line, sizeof line, "%-24s %-38s %-18s %-7s %-6s %8lld %8s\n", instance.name.c_str(),
             instance.id.c_str(), instance.cloud_state.c_str(), row ? "yes" : "no", jobs.c_str(),
             static_cast<long long>(launched > 0 ? (now - launched) / 60 : 0), Sus(sus).c_str());
    out << line;
  }
  double used = SusUsed(record, now);
  int ended = 0;
  for (const LaunchedWorker& worker : record.workers) ended += worker.ended_at ? 1 : 0;
  out << "total: " << instances.size() << (instances.size() == 1 ? " instance" : " instances")
      << " now; " << record.workers.size() << " launched by this controller, " << ended
      << " ended; " << Sus(used) << " SUs used";
  if (budget) {
    out << " of " << Sus(*budget) << " (" << Sus(std::max(0.0, *budget - used)) << " left)";
  } else {
    out << " (no budget)";
  }
  out << "\n";
  return out.str();
}

}  // namespace osg
