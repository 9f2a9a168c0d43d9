#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "ledger.h"
#include "lifecycle.h"

namespace osg {

// The counters behind the metrics: seconds busy and idle, and the jobs started on this boot.
// Each interval is counted in the state it had when it began (Account is called before the
// state changes). They carry on across an agent restart on the same boot (Restore).
class MetricsAccounting {
 public:
  explicit MetricsAccounting(TimePoint now) : accounted_at_(now) {}

  // From the ledger: the busy and idle seconds of this boot so far (the report's), and the jobs
  // that started on it (a job still running is not counted twice).
  void Restore(const std::vector<LedgerRecord>& records, const std::string& boot_id,
               double wall_now);
  // Counts the time since the last call in the state it had, then takes the new state.
  void Account(TimePoint now, bool busy, bool joined);
  void SawJobs(const std::vector<RunningJob>& running);

  double busy_seconds() const { return busy_seconds_; }
  double idle_seconds() const { return idle_seconds_; }
  int64_t jobs_total() const { return static_cast<int64_t>(jobs_seen_.size()); }

 private:
  TimePoint accounted_at_;
  bool busy_ = false;
  bool joined_ = false;
  double busy_seconds_ = 0;
  double idle_seconds_ = 0;
  std::set<std::string> jobs_seen_;
};

}  // namespace osg
