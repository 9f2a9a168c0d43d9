#pragma once

#include <optional>
#include <string>

#include "lifecycle.h"
#include "status.h"

namespace osg {

// How a job ended, as the startd's history (STARTD_HISTORY) recorded it.
struct JobExit {
  std::optional<int> exit_code;    // when it exited by itself
  std::optional<int> exit_signal;  // when a signal ended it
  std::string how;                 // HTCondor's ToE.How, e.g. "OF_ITS_OWN_ACCORD"
};

// The columns QueryJobExit asks the history for, tab-separated.
inline constexpr const char* kExitColumns[] = {"ExitBySignal", "ExitCode", "ExitSignal", "ToE.How"};
// Reads one `condor_history -af:t <kExitColumns>` line; nullopt when there is none.
std::optional<JobExit> ParseJobExit(const std::string& history_line);

// How the agent asks HTCondor what it holds. An interface so that the agent's logic can be
// driven by a fake; the real one runs HTCondor's own command-line tools.
class CondorTools {
 public:
  virtual ~CondorTools() = default;
  // Claims and running jobs of the local startd (joined is left false); nullopt if it did not
  // answer.
  virtual std::optional<Observation> QueryStartd() = 0;
  // Whether any of the pool's `collectors` holds this machine's slot ads; nullopt if none could
  // be asked.
  virtual std::optional<bool> QueryJoined(const std::vector<std::string>& collectors) = 0;
  // What the first of the pool's `collectors` to answer (the one that answered last first) holds
  // of this machine: the OSGWorkerAdSerial of each of its slot ads (kNoSerial where the ad lacks
  // it), none if it lists none; nullopt if no collector answered. One collector: a check costs
  // one query, and one that is down costs nothing once another has answered. (The resend goes
  // to all of them.)
  virtual std::optional<std::vector<int64_t>> QueryAdSerials(
      const std::vector<std::string>& collectors) = 0;
  // Makes the running daemons reread their configuration (the startd then sends its ads).
  virtual Status Reconfig() = 0;
  // The value of OSG_WORKER_ACCEPTING live in the running startd (not in the files).
  virtual std::optional<bool> StartdAccepting() = 0;
  // How a job that ran here ended, from the startd's job history; nullopt if not (yet) there.
  virtual std::optional<JobExit> QueryJobExit(const std::string& global_job_id) = 0;
};

// The columns QueryStartd asks for, tab-separated, one slot a line.
inline constexpr const char* kSlotColumns[] = {"State",       "Activity",    "JobId",
                                               "RemoteOwner", "ProjectName", "Cpus",
                                               "GlobalJobId", "Name",        "PublicClaimId"};
inline constexpr int64_t kNoSerial = -1;
// `condor_status -af OSGWorkerAdSerial` output: a serial a line ("undefined" -> kNoSerial).
std::vector<int64_t> ParseAdSerials(const std::string& lines);
// Whether the collector lists the machine, every slot ad with `serial`.
bool AdsCurrent(const std::vector<int64_t>& seen, int64_t serial);
// "OSGWorkerAdSerial 2", "OSGWorkerAdSerial 2 and OSGWorkerAdSerial 3", "no copy": the distinct
// values seen.
std::string DescribeAdSerials(const std::vector<int64_t>& seen);

// Counts claims and jobs in `condor_status -af:t <kSlotColumns>` output. Matched counts as a
// claim (one is on its way); Busy and Retiring as a running job. The details of both are kept.
Observation CountSlots(const std::string& slot_lines);

class RealCondorTools : public CondorTools {
 public:
  // `log_dir` holds .startd_address.
  explicit RealCondorTools(std::string log_dir);
  std::optional<Observation> QueryStartd() override;
  std::optional<bool> QueryJoined(const std::vector<std::string>& collectors) override;
  std::optional<std::vector<int64_t>> QueryAdSerials(
      const std::vector<std::string>& collectors) override;
  Status Reconfig() override;
  std::optional<bool> StartdAccepting() override;
  std::optional<JobExit> QueryJobExit(const std::string& global_job_id) override;

 private:
  std::optional<std::string> StartdAddress() const;
  bool LearnMachine();  // machine_, asked of the startd once
  std::vector<std::string> LastAnsweredFirst(std::vector<std::string> collectors) const;
  std::string log_dir_;
  std::string machine_;  // the startd's Machine attribute, learnt from the startd
  std::string last_answered_;  // the collector that answered QueryJoined or QueryAdSerials last
};

}  // namespace osg
