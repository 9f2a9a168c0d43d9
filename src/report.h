#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ledger.h"

namespace osg {

struct ReportOptions {
  double su_per_core_hour = 1.0;  // the allocation's charge rate
  double now = 0;                 // wall clock: what is still open (up, a job) ends here
};

struct ProjectUsage {
  int jobs = 0;     // started, including those still running
  int running = 0;  // still running at the end of the report
  double core_hours = 0;
};

// What this instance cost and what it did with it, over its life: from the first record of the
// latest boot (the agent_start just before it included) to its shutdown action, or to now.
// Durations are in seconds, times in seconds since the epoch.
struct Report {
  std::string boot_id;
  double started_at = 0;
  double ended_at = 0;     // the shutdown action that ended the instance, or now
  bool shut_down = false;  // a shutdown action (not "none") succeeded
  int cpus = 0;            // from config_accepted; 0 if the config was never accepted
  double up_s = 0;
  double joined_s = 0;
  double busy_s = 0;  // at least one claim or job
  double idle_s = 0;  // joined and not busy
  int jobs = 0;
  int jobs_running = 0;
  int jobs_failed = 0;                           // ended with a non-zero exit code or by a signal
  int claims = 0;                                // claims the pool made on this worker
  std::map<std::string, ProjectUsage> projects;  // "" for jobs without a ProjectName
  double core_hours_used = 0;                    // the jobs' cpus x their run time
  double core_hours_paid = 0;                    // the instance's cpus x up time
  double efficiency = 0;                         // used / paid
  double su_per_core_hour = 1.0;
  double charge_su = 0;  // an estimate: paid core-hours x the rate
  // The last shutdown decision, and the action that ended the instance (or the last one tried).
  std::optional<double> shutdown_decided_at;
  std::string shutdown_reason;
  std::optional<double> shutdown_at;
  std::string shutdown_action;
  std::string shutdown_result;
  std::string shutdown_detail;
};

// A claim, job or join still open when an agent stops (HTCondor stops with it) ends there; one
// still open at the end of the ledger runs until the report's end. Records repeated by a
// restarted agent (the same slot claimed, the same job started) count once.
Report ComputeReport(const std::vector<LedgerRecord>& records, const ReportOptions& options);

std::string FormatReport(const Report& report);
nlohmann::json ReportToJson(const Report& report);

}  // namespace osg
