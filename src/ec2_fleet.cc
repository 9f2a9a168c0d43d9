#include "cloud_fleet.h"

namespace osg {

// Placeholder until the ec2 fleet client lands (issue 12): no client, and says so.
std::unique_ptr<CloudFleet> MakeEc2Fleet(const FleetOptions&, const FleetEnv&, std::string* error) {
  *error = "the ec2 fleet client is not built yet";
  return nullptr;
}

}  // namespace osg
