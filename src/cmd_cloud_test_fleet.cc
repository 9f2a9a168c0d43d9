// Hidden test hook: one call of the owner's fleet client (cloud_fleet.h) against a test server,
// so that each call's requests and outcomes are tested apart from `launch` and `scale`.

#include <iostream>
#include <memory>

#include "cloud_fleet.h"
#include "commands.h"
#include "openstack_credentials.h"

namespace osg {

int CommandCloudTestFleet(const CloudTestFleetOptions& options) {
  std::string error;
  std::unique_ptr<CloudFleet> fleet = MakeCloudFleet(options.fleet, RealEnv, &error);
  if (!fleet) {
    std::cout << "credentials: error: " << error << "\n";
    return 2;
  }
  CloudResult result;
  if (options.op == "prepare") {
    int cores = 0;
    result = fleet->Prepare(options.spec, &cores);
    if (result.outcome == CloudResult::Outcome::kDone) std::cout << "cores: " << cores << "\n";
  } else if (options.op == "create") {
    std::string id;
    int cores = 0;
    result = fleet->Prepare(options.spec, &cores);  // as launch does: names resolved first
    if (result.outcome == CloudResult::Outcome::kDone) {
      result = fleet->Create(options.spec, options.name, options.user_data, &id);
    }
    if (result.outcome == CloudResult::Outcome::kDone) std::cout << "id: " << id << "\n";
  } else if (options.op == "list") {
    std::vector<FleetInstance> instances;
    result = fleet->List(options.spec.group, &instances);
    for (const FleetInstance& i : instances) {
      std::cout << "instance: " << i.id << " " << i.name << " " << i.cloud_state << " "
                << i.launched_at << "\n";
    }
  } else {
    result = fleet->Delete(options.id);
  }
  std::cout << "outcome: " << OutcomeName(result.outcome) << "\n"
            << "detail: " << result.detail << "\n";
  switch (result.outcome) {
    case CloudResult::Outcome::kDone:
    case CloudResult::Outcome::kAlreadyGone:
      return 0;
    case CloudResult::Outcome::kRefused:
      return 1;
    case CloudResult::Outcome::kRetry:
      return 75;
  }
  return 75;
}

}  // namespace osg
