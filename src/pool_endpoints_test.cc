#include "pool_endpoints.h"

#include <gtest/gtest.h>

namespace osg {
namespace {

using Addresses = std::vector<std::string>;

Addresses Parse(const std::string& value, std::string* problem) {
  problem->clear();
  return ParseCentralManagers(value, problem);
}

TEST(ParseCentralManagers, OspoolIsTheEmptyList) {
  std::string problem;
  EXPECT_EQ(Parse("ospool", &problem), Addresses{});
  EXPECT_EQ(Parse("OSPool", &problem), Addresses{});
  EXPECT_EQ(problem, "");
}

TEST(ParseCentralManagers, TakesCommasOrSpacesAndDropsRepeats) {
  std::string problem;
  EXPECT_EQ(Parse("cm.osgpool.test", &problem), Addresses{"cm.osgpool.test"});
  EXPECT_EQ(Parse("a.example:9618, b.example:9619?sock=collector2", &problem),
            (Addresses{"a.example:9618", "b.example:9619?sock=collector2"}));
  EXPECT_EQ(Parse("a.example b.example,,a.example", &problem),
            (Addresses{"a.example", "b.example"}));
  EXPECT_EQ(Parse("10.111.0.2:9618", &problem), Addresses{"10.111.0.2:9618"});
  EXPECT_EQ(problem, "");
}

TEST(ParseCentralManagers, RefusesWhatIsNoAddress) {
  std::string problem;
  for (const char* bad : {"a/b", "a:0", "a:99999", "a:port", "a?sock=", "a?sockets=x", "-a",
                          "a:9618?sock=x y?z", "http://a", "a;b", "ospool, cm.example",
                          "cm.example OSPool", "[::1]:9618"}) {
    EXPECT_EQ(Parse(bad, &problem), Addresses{}) << bad;
    EXPECT_NE(problem, "") << bad;
  }
  Parse(" , ", &problem);
  EXPECT_NE(problem, "") << "an empty list";
}

TEST(EffectivePool, TheOspoolsCollectorsAndCcbShareTheInstancesSocket) {
  PoolEndpoints pool = EffectivePool(Settings{}, 4);
  EXPECT_EQ(pool.collectors, (Addresses{"cm-1.ospool.osg-htc.org?sock=collector4",
                                        "cm-2.ospool.osg-htc.org?sock=collector4"}));
  EXPECT_EQ(pool.ccb, (Addresses{"ccb-1.ospool.osg-htc.org?sock=collector4",
                                 "ccb-2.ospool.osg-htc.org?sock=collector4"}));
}

TEST(EffectivePool, AnotherPoolsCollectorsAreItsCcbServers) {
  Settings s;
  s.central_managers = {"cm.example", "cm2.example:9619"};
  PoolEndpoints pool = EffectivePool(s, 4);
  EXPECT_EQ(pool.collectors, s.central_managers);
  EXPECT_EQ(pool.ccb, s.central_managers);
}

TEST(AddressHosts, DropPortsSocketsAndRepeats) {
  EXPECT_EQ(AddressHost("cm.example"), "cm.example");
  EXPECT_EQ(AddressHost("cm.example:9618?sock=collector3"), "cm.example");
  EXPECT_EQ(AddressHost("cm.example?sock=collector3"), "cm.example");
  EXPECT_EQ(AddressHosts({"a:1", "a:2?sock=x", "b"}), (Addresses{"a", "b"}));
}

}  // namespace
}  // namespace osg
