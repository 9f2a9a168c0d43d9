#pragma once

// The scale controller's own record (issue 12): every worker it launched, when, with how many
// cores at what rate, and when it ended. The budget is counted from it, so it survives the
// controller's crashes (written whole, atomically, after each change) and an unreadable record
// stops the controller instead of starting the count again from zero.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "status.h"

namespace osg {

struct LaunchedWorker {
  std::string id;  // the cloud's id; "" while its create is under way
  int64_t launched_at = 0;              // wall time, seconds
  std::optional<int64_t> ended_at;      // deleted, or found gone
  int cores = 1;                        // the flavor's
  double sus_per_core_hour = 1.0;       // the flavor's rate (JetStream2: 1 SU per core-hour on CPU flavors)
  bool joined = false;                  // seen in the pool at least once
  std::string name;                     // the name it was launched with (its LaunchName)
};

struct ScaleRecord {
  std::string group;  // WorkerGroupName
  std::vector<LaunchedWorker> workers;
  std::optional<int64_t> last_launch;
  bool join_failed_since_last_join = false;
};

// SUs the launched workers have cost up to `now`: each counts from its launch to its end (or to
// `now` while it lives), as the cloud bills it, joined or not.
double SusUsed(const ScaleRecord& record, int64_t now);

Status SaveScaleRecord(const std::string& path, const ScaleRecord& record);

struct ScaleRecordLoad {
  Status status = Status::Ok();
  ScaleRecord record;  // empty (for `group`) when the file does not exist yet
};
// A missing file is a new record; a file that is not a record is an error that names it.
ScaleRecordLoad LoadScaleRecord(const std::string& path, const std::string& group);

}  // namespace osg
