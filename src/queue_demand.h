#pragma once

// How many cores the owner's idle jobs want from a group of workers (issue 12's demand), from
// either of two views of the queue:
//  - condor_q on the access point (`--demand condor_q`): every idle job's ad, so each is
//    matched against the group's Start with HTCondor's own ClassAd library, and its RequestCpus
//    counts; a job that asks for more cores than one worker has counts nothing (no launch helps it).
//  - the collector's submitter ads (`--demand submitters`): the owner's IdleJobs only, from
//    anywhere the collector answers, but without the jobs' attributes: Start cannot be checked, so
//    every idle job counts as one core, whichever project it belongs to.
// Pure: the controller runs the tools.

#include <string>
#include <string_view>
#include <vector>

namespace osg {

struct QueueDemand {
  int jobs = 0;            // idle jobs that Start accepts and a worker can hold
  int cores = 0;           // their RequestCpus, summed
  int too_big = 0;         // accepted by Start, but asking for more cores than a worker has
  std::string error;       // the output could not be read: no demand is known
  bool ok() const { return error.empty(); }
};

// The condor_q command line for idle jobs (every user's, or `owner`'s), as JSON ads.
std::vector<std::string> IdleJobsArgv(std::string_view owner, std::string_view pool);

// Demand from condor_q -json output: jobs for which the machine ad [Start = `start`; Cpus =
// `cores_per_worker`; WorkerGroupName = `group`] finds Start true with the job as TARGET.
QueueDemand DemandFromJobs(std::string_view condor_q_json, const std::string& start,
                           const std::string& group, int cores_per_worker);

// The condor_status command line for the submitters' ads.
std::vector<std::string> SubmittersArgv(std::string_view pool);

// Demand from condor_status -submitters -af:t Name IdleJobs: the sum of IdleJobs of the ads
// whose Name is `owner` or starts with "owner@" (one ad per schedd), one core each.
QueueDemand DemandFromSubmitters(std::string_view output, const std::string& owner);

}  // namespace osg
