#pragma once

#include <string>

#include "agent.h"

namespace osg {

// `osg-worker run`'s event loop on a real machine: signals (signalfd), HTCondor's log directory
// (inotify: no polling while nothing happens), the adopted master's pidfd and the metrics
// endpoint, polled until the next deadline the agent names; each wakeup becomes one
// Agent::Step. Makes the agent the subreaper of HTCondor's daemons and reaps its children.
// Returns the process exit status.
int RunAgentLoop(Agent& agent, const std::string& condor_log_dir);

}  // namespace osg
