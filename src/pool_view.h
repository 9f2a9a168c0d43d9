#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace osg {

// `osg-worker pool`: the workers of one WorkerGroupName as the collector sees them. Pure: the
// command runs condor_status; this turns its -json slot ads into one row per machine.

// A ClassAd string literal as condor_status reads -const and -af expressions: HTCondor 23's
// tools parse them with the old ClassAd syntax, where \" is the only escape and a backslash is
// otherwise literal (measured: size("a\\b") is 4). So a literal cannot end with a backslash;
// GroupConstraint works around that. Control characters are refused before (no
// WorkerGroupName holds one).
std::string QuoteClassAdString(std::string_view text);

// The seed's query, quoted for the user: WorkerGroupName == "<group>" (for a name ending with a
// backslash: strcat(WorkerGroupName, "#") == "<group>#").
std::string GroupConstraint(std::string_view group);

// The slot attributes the view reads (condor_status -attributes, comma-separated).
extern const char* const kPoolAttributes;

// The condor_status command line; every element is one argument (no shell). `pool` empty: the
// local configuration's COLLECTOR_HOST.
std::vector<std::string> PoolQueryArgv(std::string_view group, std::string_view pool);

// One worker (one startd), aggregated from its slot ads: a partitionable slot and its dynamic
// slots, or static slots.
struct WorkerRow {
  std::string name;   // the Machine attribute
  std::string state;  // OSGWorkerState; "" when the startd does not advertise it
  std::string launch_name;  // OSGWorkerLaunchName: set when `osg-worker launch` made it
  double cores_busy = 0;
  double cores_total = 0;
  int jobs = 0;
  std::optional<int64_t> started_at;   // the startd's DaemonStartTime
  std::optional<int64_t> idle_since;   // OSGWorkerIdleSince
  std::optional<int64_t> shutdown_at;  // OSGWorkerShutdownTime
  std::optional<int64_t> retire_at;    // OSGWorkerRetireTime
};

struct PoolView {
  std::vector<WorkerRow> workers;  // sorted by name
  std::string error;               // non-empty when the output could not be parsed
};

// Parses condor_status -json output (an array of slot ads; empty output means no ad). A claimed
// non-partitionable slot's Cpus count as busy; cores in total are the partitionable slots'
// TotalSlotCpus plus the static slots' Cpus (dynamic slots are carved out of a partitionable
// one); a slot whose Activity is Busy or Retiring runs a job.
// Ads of another group (WorkerGroupName != `group`) are dropped.
PoolView ParsePoolView(std::string_view condor_status_json, std::string_view group);

// The table: a header line, one line per worker, a total line. `now` in seconds since the epoch.
std::string FormatPoolView(const PoolView& view, int64_t now);
nlohmann::json PoolViewToJson(const PoolView& view, int64_t now);

}  // namespace osg
