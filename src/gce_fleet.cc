#include "cloud_fleet.h"

namespace osg {

// Placeholder until the gce fleet client lands (issue 12): no client, and says so.
std::unique_ptr<CloudFleet> MakeGceFleet(const FleetOptions&, const FleetEnv&, std::string* error) {
  *error = "the gce fleet client is not built yet";
  return nullptr;
}

}  // namespace osg
