#include "cloud_fleet.h"

#include "text.h"

namespace osg {

std::unique_ptr<CloudFleet> MakeCloudFleet(const FleetOptions& options, const FleetEnv& env,
                                           std::string* error) {
  if (options.cloud == "openstack") return MakeOpenStackFleet(options, env, error);
  if (options.cloud == "ec2") return MakeEc2Fleet(options, env, error);
  if (options.cloud == "gce") return MakeGceFleet(options, env, error);
  *error = "unknown cloud \"" + options.cloud + "\" (openstack, ec2 or gce)";
  return nullptr;
}

ScaledWorker::Cloud FleetStateOf(const std::string& cloud, const std::string& state) {
  using C = ScaledWorker::Cloud;
  std::string s = ToLower(state);
  if (cloud == "gce") {
    // GCE: TERMINATED is a stopped instance (its disks still bill); deleted ones are not listed.
    if (s == "provisioning" || s == "staging") return C::kBooting;
    if (s == "running") return C::kActive;
    if (s == "stopping" || s == "terminated" || s == "suspending" || s == "suspended") {
      return C::kStopped;
    }
    return C::kError;
  }
  if (cloud == "ec2") {
    if (s == "pending") return C::kBooting;
    if (s == "running") return C::kActive;
    if (s == "stopping" || s == "stopped") return C::kStopped;
    return C::kError;
  }
  // OpenStack's server status.
  if (s == "build" || s == "rebuild" || s == "reboot" || s == "hard_reboot") return C::kBooting;
  if (s == "active") return C::kActive;
  if (s == "shutoff" || s == "suspended" || s == "paused" || s == "stopped") return C::kStopped;
  if (s.starts_with("shelved")) return C::kShelved;
  return C::kError;
}

}  // namespace osg
