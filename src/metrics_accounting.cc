#include "metrics_accounting.h"

#include "report.h"

namespace osg {

void MetricsAccounting::Restore(const std::vector<LedgerRecord>& records,
                                const std::string& boot_id, double wall_now) {
  bool this_boot = false;
  std::set<std::string> seen;
  for (const LedgerRecord& record : records) {
    if (record.event == kEventBoot) {
      this_boot = !boot_id.empty() && record.fields.value("boot_id", "") == boot_id;
      seen.clear();
    } else if (this_boot && record.event == kEventJobStart) {
      seen.insert(record.fields.value("job_id", ""));
    }
  }
  if (!this_boot) return;
  jobs_seen_ = std::move(seen);
  Report report = ComputeReport(records, {.now = wall_now});
  busy_seconds_ = report.busy_s;
  idle_seconds_ = report.idle_s;
}

void MetricsAccounting::Account(TimePoint now, bool busy, bool joined) {
  double elapsed = std::chrono::duration<double>(now - accounted_at_).count();
  if (elapsed > 0) {
    if (busy_) {
      busy_seconds_ += elapsed;
    } else if (joined_) {
      idle_seconds_ += elapsed;
    }
    accounted_at_ = now;
  }
  busy_ = busy;
  joined_ = joined;
}

void MetricsAccounting::SawJobs(const std::vector<RunningJob>& running) {
  for (const RunningJob& job : running) jobs_seen_.insert(job.job_id);
}

}  // namespace osg
