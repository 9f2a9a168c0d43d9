#pragma once

#include <optional>
#include <string>

#include "condor_tools.h"
#include "env.h"

namespace osg {

// The first half of the race-free stop. START goes off through a config file
// (RenderStoppingConfig) and condor_reconfig. It counts as off only once the running startd
// itself reports OSG_WORKER_ACCEPTING false: from then on no new claim can slip in. Then what
// the startd holds is read. The lifecycle decides what follows.
struct StartOffResult {
  Status status;                     // why START could not be turned off or confirmed
  std::optional<Observation> holds;  // what the startd holds with START off, when ok
};
StartOffResult TurnStartOff(Env& env, CondorTools& tools, const std::string& stopping_file,
                            Seconds confirm_timeout);

// Undoes TurnStartOff (a claim won the race, or a failed stop must not leave START off).
Status TurnStartOn(Env& env, CondorTools& tools, const std::string& stopping_file);

}  // namespace osg
