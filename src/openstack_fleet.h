#pragma once

// The owner's OpenStack client for `launch` and `scale` (cloud_fleet.h): Nova's servers, with
// the flavor, image and network resolved from names through Nova, Glance and Neutron, as the
// openstack CLI does. The pure pieces are here for tests.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cloud_fleet.h"
#include "status.h"

namespace osg {

// The compute API microversion every request asks for: 2.37 is the first that requires
// `networks` (so a server never lands on a network by accident) and still takes user_data.
inline constexpr char kNovaMicroversion[] = "2.37";

// The metadata item that marks a server as a worker of a group (Nova's server metadata: values
// up to 255 characters).
inline constexpr char kGroupMetadataKey[] = "osg-worker-group";

// What Prepare resolved the launch spec's names to.
struct NovaLaunch {
  std::string flavor_id;
  std::string image_id;
  std::string network;  // a network uuid, or "auto" / "none" as Nova 2.37 takes them
  int cores = 0;
};

// The flavor named or numbered `flavor` in GET /flavors/detail's answer: its id and vcpus.
Status FindFlavor(const nlohmann::json& flavors_detail, const std::string& flavor,
                  std::string* id, int* cores);

// The one item of `list_key` in a Glance or Neutron list answer whose id or name is `wanted`: its
// id. An error when none or more than one match ("2 images are named X: use its id").
Status FindOneByIdOrName(const nlohmann::json& answer, const char* list_key, const char* what,
                         const std::string& wanted, std::string* id);

// POST /servers's body.
std::string NovaCreateServerBody(const LaunchSpec& spec, const NovaLaunch& launch,
                                 const std::string& name, const std::string& user_data);

// The group's servers in GET /servers/detail's answer (metadata item kGroupMetadataKey equal to
// `group`; DELETED ones left out).
std::vector<FleetInstance> ParseServers(const nlohmann::json& servers_detail,
                                        const std::string& group);

}  // namespace osg
