#include "cloud_fleet.h"

namespace osg {

// Placeholder until the openstack fleet client lands (issue 12): no client, and says so.
std::unique_ptr<CloudFleet> MakeOpenStackFleet(const FleetOptions&, const FleetEnv&, std::string* error) {
  *error = "the openstack fleet client is not built yet";
  return nullptr;
}

}  // namespace osg
