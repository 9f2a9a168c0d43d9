#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "pool_endpoints.h"
#include "status.h"

namespace osg {

// Where osg-worker puts what HTCondor reads. All under `root` ("" on a real machine) so that
// tests can install into a scratch directory.
struct CondorPaths {
  std::string root;
  std::string Config() const { return root + "/etc/condor/config.d/50-osg-worker.conf"; }
  // Present only while the agent is stopping: turns START off without touching the main file.
  std::string Stopping() const { return root + "/etc/condor/config.d/90-osg-worker-stopping.conf"; }
  // The lifecycle state advertised in the ad; rewritten (and reconfigured) when it changes.
  std::string State() const { return root + "/etc/condor/config.d/60-osg-worker-state.conf"; }
  // The default container image's state (RenderImageStateConfig); rewritten once it is known.
  std::string Image() const { return root + "/etc/condor/config.d/60-osg-worker-image.conf"; }
  std::string Token() const { return root + "/etc/condor/tokens.d/osg-worker.token"; }
  std::string Log() const { return root + "/var/log/condor"; }
};

// When new jobs stop, in seconds since the epoch: the end of the accept window or the lifetime
// cap, whichever comes first, both counted from the instance's first start.
int64_t RetireWallTime(const Settings& settings, int64_t instance_start);

// The HTCondor configuration of a worker: pure text, golden-tested. `start_time` (seconds since
// the epoch, the instance's first start) anchors the accept window and the lifetime cap: START
// is false from RetireWallTime on, whatever the agent does. `pool` is EffectivePool's;
// `cvmfs_repos` the CVMFS repositories mounted here (MountedCvmfsRepositories).
std::string RenderCondorConfig(const Settings& settings, const PoolEndpoints& pool,
                               int64_t start_time, const std::vector<std::string>& cvmfs_repos = {});

// What the worker's owner sees in its ad (condor_status -af OSGWorkerState ...): the lifecycle
// phase, when it will shut down if nothing changes, when it stops taking new jobs, and since
// when it has been idle (for `osg-worker pool`'s idle minutes).
struct AdvertisedState {
  std::string phase;
  std::optional<int64_t> shutdown_time;
  int64_t retire_time = 0;
  std::optional<int64_t> idle_since;
  bool containers = false;  // Apptainer on (once the worker has joined: RenderContainerConfig)
  bool operator==(const AdvertisedState&) const = default;
};
// `serial` (OSGWorkerAdSerial) is raised by the agent at every change it advertises, so that it
// can tell a collector's stale copy of the ad from the current one (Agent::CheckAdvertised).
std::string RenderStateConfig(const AdvertisedState& state, int64_t serial);

// The override that stops the startd from accepting claims (see CondorPaths::Stopping).
std::string RenderStoppingConfig();

// A string value for an HTCondor config file that the daemons read back as exactly `text`.
// HTCondor reads such values with the old ClassAd syntax, where \" is the only escape and a
// backslash is otherwise literal (measured on HTCondor 23.9: "a\\b" holds two backslashes), and
// it expands macros first, so '$' is written as $(DOLLAR). Control characters are refused earlier.
std::string QuoteConfigString(std::string_view text);

// Writes the config, the token (root-only, 0600), the initial state (Joining, with `ad_serial`)
// and a default image not yet ready where HTCondor reads them.
Status InstallCondorConfig(const CondorPaths& paths, const Settings& settings,
                           const PoolEndpoints& pool, int64_t start_time, int64_t ad_serial,
                           const std::vector<std::string>& cvmfs_repos = {});

}  // namespace osg
