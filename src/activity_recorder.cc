#include "activity_recorder.h"

#include <algorithm>

#include "ledger.h"

namespace osg {
namespace {

// A claim is known by its public id, or by its slot when HTCondor did not say (a Matched slot
// has no claim id yet).
std::string ClaimKey(const HeldClaim& claim) {
  return claim.claim_id.empty() ? claim.slot : claim.claim_id;
}

bool HasClaim(const std::vector<HeldClaim>& claims, const HeldClaim& claim) {
  return std::any_of(claims.begin(), claims.end(),
                     [&](const HeldClaim& other) { return ClaimKey(other) == ClaimKey(claim); });
}

bool HasJob(const std::vector<RunningJob>& jobs, const RunningJob& job) {
  return std::any_of(jobs.begin(), jobs.end(),
                     [&](const RunningJob& other) { return other.job_id == job.job_id; });
}

nlohmann::json ClaimFields(const HeldClaim& claim) {
  return {{"slot", claim.slot},
          {"claim_id", claim.claim_id},
          {"owner", claim.owner},
          {"cpus", claim.cpus}};
}

nlohmann::json JobFields(const RunningJob& job) {
  return {{"job_id", job.job_id}, {"owner", job.owner}, {"project", job.project}, {"cpus", job.cpus}};
}

}  // namespace

ActivityRecorder::ActivityRecorder(Record record, ExitLookup exit_of)
    : record_(std::move(record)), exit_of_(std::move(exit_of)) {}

void ActivityRecorder::Observe(const Observation& observation) {
  Claims(observation.held);
  Jobs(observation.running);
}

void ActivityRecorder::Claims(const std::vector<HeldClaim>& held) {
  for (const HeldClaim& claim : held) {
    if (!HasClaim(held_, claim)) record_(kEventClaimStart, ClaimFields(claim));
  }
  for (const HeldClaim& claim : held_) {
    if (!HasClaim(held, claim)) record_(kEventClaimEnd, ClaimFields(claim));
  }
  held_ = held;
}

void ActivityRecorder::Jobs(const std::vector<RunningJob>& running) {
  for (const RunningJob& job : running) {
    if (!HasJob(running_, job)) record_(kEventJobStart, JobFields(job));
  }
  for (const RunningJob& job : running_) {
    if (HasJob(running, job)) continue;
    nlohmann::json end = JobFields(job);
    if (std::optional<JobExit> exit = exit_of_(job.global_job_id)) {
      if (exit->exit_code) end["exit_code"] = *exit->exit_code;
      if (exit->exit_signal) end["exit_signal"] = *exit->exit_signal;
      if (!exit->how.empty()) end["how"] = exit->how;
    }
    record_(kEventJobEnd, end);
  }
  running_ = running;
}

}  // namespace osg
