#pragma once

#include <optional>
#include <string>

#include "lifecycle.h"
#include "status.h"

namespace osg {

// How the agent asks HTCondor what it holds. An interface so that the agent's logic can be
// driven by a fake; the real one runs HTCondor's own command-line tools.
class CondorTools {
 public:
  virtual ~CondorTools() = default;
  // Claims and running jobs of the local startd (joined is left false); nullopt if it did not
  // answer.
  virtual std::optional<Observation> QueryStartd() = 0;
  // Whether the pool's collector holds this machine's startd ad; nullopt if it could not be asked.
  virtual std::optional<bool> QueryJoined() = 0;
  // Makes the running daemons reread their configuration.
  virtual Status Reconfig() = 0;
  // The value of OSG_WORKER_ACCEPTING live in the running startd (not in the files).
  virtual std::optional<bool> StartdAccepting() = 0;
};

// The columns QueryStartd asks for, tab-separated, one slot a line.
inline constexpr const char* kSlotColumns[] = {"State",       "Activity",    "JobId",
                                               "RemoteOwner", "ProjectName", "Cpus"};
// Counts claims and jobs in `condor_status -af:t <kSlotColumns>` output. Matched counts as a
// claim (one is on its way); Busy and Retiring as a running job, whose details are kept.
Observation CountSlots(const std::string& slot_lines);

class RealCondorTools : public CondorTools {
 public:
  // `central_manager` is asked whether this machine joined; `log_dir` holds .startd_address.
  RealCondorTools(std::string central_manager, std::string log_dir);
  std::optional<Observation> QueryStartd() override;
  std::optional<bool> QueryJoined() override;
  Status Reconfig() override;
  std::optional<bool> StartdAccepting() override;

 private:
  std::optional<std::string> StartdAddress() const;
  std::string central_manager_;
  std::string log_dir_;
  std::string machine_;  // the startd's Machine attribute, learnt from the startd
};

}  // namespace osg
