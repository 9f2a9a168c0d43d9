#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "condor_tools.h"
#include "lifecycle.h"

namespace osg {

// Turns the startd's successive observations into ledger events: one claim_start and one
// claim_end per claim, one job_start and one job_end per job, job_end with the job's exit when
// the startd's history already holds it. It compares each observation with the last one; it
// keeps no other state.
class ActivityRecorder {
 public:
  using Record = std::function<void(const char* event, nlohmann::json fields)>;
  using ExitLookup = std::function<std::optional<JobExit>(const std::string& global_job_id)>;
  ActivityRecorder(Record record, ExitLookup exit_of);

  void Observe(const Observation& observation);

 private:
  void Claims(const std::vector<HeldClaim>& held);
  void Jobs(const std::vector<RunningJob>& running);

  Record record_;
  ExitLookup exit_of_;
  std::vector<HeldClaim> held_;      // as last recorded
  std::vector<RunningJob> running_;  // as last recorded
};

}  // namespace osg
