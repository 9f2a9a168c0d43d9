#include "openstack_fleet.h"

#include <gtest/gtest.h>

#include "base64.h"
#include "text.h"

namespace osg {
namespace {

TEST(OpenStackFleetTest, FindsTheFlavorByNameOrIdWithItsCores) {
  auto flavors = nlohmann::json::parse(R"({"flavors": [
      {"id": "1", "name": "m3.tiny", "vcpus": 1},
      {"id": "7", "name": "m3.small", "vcpus": 2}]})");
  std::string id;
  int cores = 0;
  ASSERT_TRUE(FindFlavor(flavors, "m3.small", &id, &cores).ok());
  EXPECT_EQ(id, "7");
  EXPECT_EQ(cores, 2);
  ASSERT_TRUE(FindFlavor(flavors, "1", &id, &cores).ok());
  EXPECT_EQ(cores, 1);
  Status missing = FindFlavor(flavors, "m9.huge", &id, &cores);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("no flavor m9.huge"), std::string::npos);
}

TEST(OpenStackFleetTest, AnImageOrNetworkNameMustBeUnique) {
  auto images = nlohmann::json::parse(R"({"images": [
      {"id": "a", "name": "Featured-Debian13"}, {"id": "b", "name": "twin"},
      {"id": "c", "name": "twin"}]})");
  std::string id;
  ASSERT_TRUE(FindOneByIdOrName(images, "images", "image", "Featured-Debian13", &id).ok());
  EXPECT_EQ(id, "a");
  Status twins = FindOneByIdOrName(images, "images", "image", "twin", &id);
  EXPECT_EQ(twins.message(), "2 images are named twin: give its id");
  EXPECT_EQ(FindOneByIdOrName(images, "images", "image", "gone", &id).message(),
            "no image is named gone");
}

TEST(OpenStackFleetTest, TheCreateBodyCarriesNetworksUserDataAndTheGroup) {
  LaunchSpec spec;
  spec.group = "My Test Workers";
  spec.key_name = "mykey";
  spec.security_groups = {"default"};
  NovaLaunch launch{"7", "img-1", "0b6c5d86-0000-4000-8000-000000000001", 2};
  auto body = nlohmann::json::parse(NovaCreateServerBody(spec, launch, "tg-a-3", "#!/bin/sh\n"));
  const auto& server = body["server"];
  EXPECT_EQ(server["name"], "tg-a-3");
  EXPECT_EQ(server["flavorRef"], "7");
  EXPECT_EQ(server["imageRef"], "img-1");
  EXPECT_EQ(server["networks"][0]["uuid"], launch.network);
  EXPECT_EQ(server["user_data"], EncodeBase64("#!/bin/sh\n"));
  EXPECT_EQ(server["metadata"][kGroupMetadataKey], "My Test Workers");
  EXPECT_EQ(server["key_name"], "mykey");
  EXPECT_EQ(server["security_groups"][0]["name"], "default");
  EXPECT_FALSE(server.contains("availability_zone"));
  launch.network = "auto";
  body = nlohmann::json::parse(NovaCreateServerBody(spec, launch, "n", ""));
  EXPECT_EQ(body["server"]["networks"], "auto");
}

TEST(OpenStackFleetTest, ListsOnlyTheGroupsLiveServers) {
  auto servers = nlohmann::json::parse(R"({"servers": [
      {"id": "s1", "name": "g-1", "status": "ACTIVE", "created": "2026-12-03T10:00:00Z",
       "metadata": {"osg-worker-group": "G"}},
      {"id": "s2", "name": "g-2", "status": "SHELVED_OFFLOADED", "created": "2026-12-03T10:01:00Z",
       "metadata": {"osg-worker-group": "G"}},
      {"id": "s3", "name": "other", "status": "ACTIVE", "metadata": {"osg-worker-group": "H"}},
      {"id": "s4", "name": "mine", "status": "ACTIVE", "metadata": {}},
      {"id": "s5", "name": "g-5", "status": "DELETED", "metadata": {"osg-worker-group": "G"}},
      {"id": "s6", "name": "g-6", "status": "BUILD", "metadata": {"osg-worker-group": "G"}}]})");
  std::vector<FleetInstance> list = ParseServers(servers, "G");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].id, "s1");
  EXPECT_EQ(list[0].state, ScaledWorker::Cloud::kActive);
  EXPECT_EQ(list[0].launched_at, 1796292000);
  EXPECT_EQ(list[1].state, ScaledWorker::Cloud::kShelved);
  EXPECT_EQ(list[2].state, ScaledWorker::Cloud::kBooting);
  EXPECT_EQ(list[2].launched_at, 0);
}

TEST(OpenStackFleetTest, CloudStatesMapToTheControllersStates) {
  using C = ScaledWorker::Cloud;
  EXPECT_EQ(FleetStateOf("openstack", "BUILD"), C::kBooting);
  EXPECT_EQ(FleetStateOf("openstack", "SHUTOFF"), C::kStopped);
  EXPECT_EQ(FleetStateOf("openstack", "ERROR"), C::kError);
  EXPECT_EQ(FleetStateOf("ec2", "pending"), C::kBooting);
  EXPECT_EQ(FleetStateOf("ec2", "stopped"), C::kStopped);
  EXPECT_EQ(FleetStateOf("gce", "TERMINATED"), C::kStopped);
  EXPECT_EQ(FleetStateOf("gce", "RUNNING"), C::kActive);
}

TEST(TextTest, ParsesRfc3339AsCloudsWriteIt) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("2026-12-03T10:00:00Z"), 1796292000);
  EXPECT_EQ(ParseRfc3339("2026-12-03T10:00:00.123456Z"), 1796292000);
  EXPECT_EQ(ParseRfc3339("2026-12-03T02:00:00.000-08:00"), 1796292000);
  EXPECT_EQ(ParseRfc3339("2026-12-03T11:30:00+01:30"), 1796292000);
  EXPECT_FALSE(ParseRfc3339("2026-12-03 10:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-12-03T10:00:00"));
  EXPECT_FALSE(ParseRfc3339("2026-13-03T10:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-12-03T10:00:00Zjunk"));
}

}  // namespace
}  // namespace osg
