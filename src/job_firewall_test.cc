#include "job_firewall.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "files.h"

namespace osg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// A resolver from a table: no DNS in unit tests.
HostResolver FakeResolver(std::map<std::string, std::vector<std::string>> names) {
  return [names](const std::string& host) {
    auto it = names.find(host);
    return it == names.end() ? std::vector<std::string>{} : it->second;
  };
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  std::string path = std::string(OSG_TESTDATA_DIR) + "/golden/" + name;
  const char* update = std::getenv("OSG_UPDATE_GOLDEN");
  if (update != nullptr && *update != '\0') {
    ASSERT_TRUE(WriteFileAtomically(path, actual, 0644).ok());
  }
  std::optional<std::string> expected = ReadFile(path);
  ASSERT_TRUE(expected) << "missing golden file " << path;
  EXPECT_EQ(actual, *expected) << "rendering changed; if intended, rerun with OSG_UPDATE_GOLDEN=1";
}

TEST(UrlHostPort, ReadsHostAndPort) {
  EXPECT_EQ(UrlHostPort("http://169.254.169.254")->host, "169.254.169.254");
  EXPECT_EQ(UrlHostPort("http://169.254.169.254")->port, 80);
  EXPECT_EQ(UrlHostPort("https://meta.example/x/y")->port, 443);
  EXPECT_EQ(UrlHostPort("http://10.111.0.2:8169/latest")->port, 8169);
  EXPECT_EQ(UrlHostPort("http://[fd00:ec2::254]:80")->host, "fd00:ec2::254");
  EXPECT_EQ(UrlHostPort("http://[fd00:ec2::254]")->port, 80);
  EXPECT_FALSE(UrlHostPort("ftp://host"));
  EXPECT_FALSE(UrlHostPort("http://"));
  EXPECT_FALSE(UrlHostPort("http://host:0"));
  EXPECT_FALSE(UrlHostPort("http://host:65536"));
  EXPECT_FALSE(UrlHostPort("http://host:80x"));
  EXPECT_FALSE(UrlHostPort("http://user@host"));
  EXPECT_FALSE(UrlHostPort("http://[::1"));
}

TEST(JobFirewallTargets, DefaultsAreTheLinkLocalAddressesOnly) {
  std::vector<std::string> notes;
  // On GCE metadata.google.internal is 169.254.169.254: already covered on every port.
  auto targets =
      JobFirewallTargets(Settings{},
                         FakeResolver({{"169.254.169.254", {"169.254.169.254"}},
                                       {"metadata.google.internal", {"169.254.169.254"}}}),
                         &notes);
  EXPECT_THAT(targets, ElementsAre(BlockedEndpoint{"169.254.169.254", std::nullopt},
                                   BlockedEndpoint{"fd00:ec2::254", std::nullopt}));
  EXPECT_TRUE(notes.empty());
}

TEST(JobFirewallTargets, ConfiguredUrlsAddTheirAddressAndPortOnce) {
  Settings s;
  s.ec2_metadata_url = "http://10.111.0.2:8169";
  s.gce_metadata_url = "http://metadata.google.internal";  // not on GCE: does not resolve
  s.openstack.metadata_url = "http://cm.test:8169";        // the same endpoint by name
  std::vector<std::string> notes;
  auto targets = JobFirewallTargets(
      s, FakeResolver({{"10.111.0.2", {"10.111.0.2"}}, {"cm.test", {"10.111.0.2", "fd00::2"}}}),
      &notes);
  EXPECT_THAT(targets,
              ElementsAre(BlockedEndpoint{"169.254.169.254", std::nullopt},
                          BlockedEndpoint{"fd00:ec2::254", std::nullopt},
                          BlockedEndpoint{"10.111.0.2", 8169}, BlockedEndpoint{"fd00::2", 8169}));
  EXPECT_THAT(notes, ElementsAre(HasSubstr("metadata.google.internal does not resolve")));
}

TEST(RenderJobFirewall, MatchesGolden) {
  ExpectGolden("job-firewall.nft", RenderJobFirewall({{"169.254.169.254", std::nullopt},
                                                      {"fd00:ec2::254", std::nullopt},
                                                      {"10.111.0.2", 8169},
                                                      {"fd00::2", 8169}}));
}

TEST(RenderJobFirewall, OnlyNumericAddressesReachTheRuleset) {
  std::string text = RenderJobFirewall({{"10.0.0.1; flush ruleset", std::nullopt},
                                        {"evil}\ntable ip x {", 80},
                                        {"10.0.0.2", 70000},
                                        {"10.0.0.3", 80}});
  EXPECT_THAT(text, Not(HasSubstr("flush")));
  EXPECT_THAT(text, Not(HasSubstr("evil")));
  EXPECT_THAT(text, Not(HasSubstr("10.0.0.2")));
  EXPECT_THAT(text, HasSubstr("    ip daddr 10.0.0.3 tcp dport 80 counter reject\n"));
}

TEST(RenderJobFirewall, ReplacesOnlyItsOwnTable) {
  std::string text = RenderJobFirewall({{"169.254.169.254", std::nullopt}});
  EXPECT_THAT(text, HasSubstr("\ndelete table inet osg_worker\n"));
  EXPECT_THAT(text, Not(HasSubstr("flush")));
  EXPECT_THAT(text, HasSubstr("meta skuid != 0 jump not_root"));
}

TEST(DescribeJobFirewall, ListsWhatIsBlocked) {
  EXPECT_EQ(DescribeJobFirewall(
                {{"169.254.169.254", std::nullopt}, {"fd00::2", 80}, {"10.111.0.2", 8169}}),
            "jobs cannot reach 169.254.169.254, [fd00::2]:80, 10.111.0.2:8169");
}

class InstallJobFirewallTest : public ::testing::Test {
 protected:
  // A directory of each test's own: ctest runs these tests in parallel processes, and a shared
  // one was removed by one test's TearDown while another wrote in it.
  std::string dir_, path_;
  void SetUp() override {
    char dir[] = "/tmp/osg-job-firewall-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/rules.nft";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
};

TEST_F(InstallJobFirewallTest, WritesARootOnlyFileAndLoadsIt) {
  std::vector<std::string> ran;
  Status status = InstallJobFirewall("rules\n", path_, [&](const std::vector<std::string>& argv) {
    ran = argv;
    return CommandResult{0, ""};
  });
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_THAT(ran, ElementsAre("nft", "-f", path_));
  EXPECT_EQ(ReadFile(path_), "rules\n");
  struct stat info {};
  ASSERT_EQ(stat(path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(InstallJobFirewallTest, SaysWhyNftFailed) {
  auto fails = [](int code) {
    return [code](const std::vector<std::string>&) { return CommandResult{code, ""}; };
  };
  Status status = InstallJobFirewall("rules\n", path_, fails(1));
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("exited with status 1"));
  status = InstallJobFirewall("rules\n", path_, fails(-1));
  EXPECT_THAT(status.message(), HasSubstr("nftables"));
}

TEST(ResolveHost, NumericLiteralsNeedNoDns) {
  EXPECT_THAT(ResolveHost("169.254.169.254"), ElementsAre("169.254.169.254"));
  EXPECT_THAT(ResolveHost("fd00:ec2::254"), ElementsAre("fd00:ec2::254"));
}

}  // namespace
}  // namespace osg
