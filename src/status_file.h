#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace osg {

inline constexpr const char* kStateDir = "/run/osg-worker";
inline constexpr const char* kStateFile = "/run/osg-worker/status.json";

// What the agent publishes for `osg-worker status` (and later metrics): rewritten atomically at
// every change. It holds no secret, so it is world-readable. Times are seconds since the epoch.
struct WorkerState {
  int64_t agent_pid = 0;
  int64_t condor_master_pid = 0;
  std::string config_path;
  std::string phase;  // lifecycle phase name
  bool joined = false;
  int claims = 0;
  int jobs = 0;
  int64_t started_at = 0;
  std::optional<int64_t> joined_at;
  std::optional<int64_t> idle_since;
  std::optional<int64_t> shutdown_at;  // when the idle timeout fires if nothing changes
  int64_t retire_at = 0;               // when new jobs stop (accept window or lifetime cap)
  std::string shutdown_reason;         // set once the machine is shutting down
  std::string shutdown_action;
  std::string diagnosis;     // why the worker has not joined, when known
  std::string ledger_error;  // why the ledger cannot be written (a full disk); "" when it can
  // What the job firewall blocks, or why it is not installed (job_firewall_ok false).
  std::string job_firewall;
  bool job_firewall_ok = false;
  int job_firewall_reinstalls = 0;
  // The default container image: "none: ...", "preparing ...", "ready: ..." or "NOT USABLE: why".
  std::string default_image;  // times the periodic check found it removed and put it back
  int64_t updated_at = 0;
};

std::string WorkerStateToJson(const WorkerState& state);
std::optional<WorkerState> WorkerStateFromJson(const std::string& text);

}  // namespace osg
