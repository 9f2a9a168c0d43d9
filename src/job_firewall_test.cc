#include "job_firewall.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
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
                                   BlockedEndpoint{"fd00:ec2::254", std::nullopt},
                                   BlockedEndpoint{"fd20:ce::254", std::nullopt},
                                   BlockedEndpoint{"fe80::a9fe:a9fe", std::nullopt}));
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
                          BlockedEndpoint{"fd20:ce::254", std::nullopt},
                          BlockedEndpoint{"fe80::a9fe:a9fe", std::nullopt},
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

// GCE's and OpenStack's IPv6 metadata addresses, on every port, whatever URL is configured.
TEST(JobFirewallTargets, BlockTheIPv6MetadataAddressesOfGceAndOpenStack) {
  Settings s;
  s.openstack.metadata_url = "http://[fe80::a9fe:a9fe]:80";  // covered by the all-ports rule
  auto targets = JobFirewallTargets(s, ResolveHost, nullptr);
  for (const char* address : {"fd20:ce::254", "fe80::a9fe:a9fe"}) {
    EXPECT_EQ(std::count(targets.begin(), targets.end(), BlockedEndpoint{address, std::nullopt}),
              1)
        << address;
  }
  std::string rules = RenderJobFirewall(targets);
  EXPECT_THAT(rules, HasSubstr("    ip6 daddr fd20:ce::254 counter reject\n"));
  EXPECT_THAT(rules, HasSubstr("    ip6 daddr fe80::a9fe:a9fe counter reject\n"));
}

// What `nft list table inet osg_worker` printed (nftables 1.1, Debian 13) for the golden table.
const char kListing[] = R"(table inet osg_worker {
	chain output {
		type filter hook output priority filter; policy accept;
		meta skuid != 0 jump not_root
	}

	chain not_root {
		ip daddr 169.254.169.254 counter packets 3 bytes 180 reject with icmp port-unreachable
		ip6 daddr fd00:ec2::254 counter packets 0 bytes 0 reject with icmpv6 port-unreachable
		ip daddr 10.111.0.2 tcp dport 8169 counter packets 0 bytes 0 reject with icmp port-unreachable
	}
}
)";
const std::vector<BlockedEndpoint> kListed = {
    {"169.254.169.254", std::nullopt}, {"fd00:ec2::254", std::nullopt}, {"10.111.0.2", 8169}};

TEST(MissingJobFirewallRules, NothingWhenEveryRuleIsListed) {
  EXPECT_EQ(MissingJobFirewallRules(kListing, kListed), "");
}

TEST(MissingJobFirewallRules, NamesWhatIsMissing) {
  std::vector<BlockedEndpoint> more = kListed;
  more.push_back({"10.111.0.2", std::nullopt});  // all ports: not the port-8169 rule
  EXPECT_EQ(MissingJobFirewallRules(kListing, more),
            "the table lacks \"ip daddr 10.111.0.2 counter\"");
  // `nft flush table` keeps the table and its chains but drops every rule.
  EXPECT_THAT(MissingJobFirewallRules("table inet osg_worker {\n}\n", kListed),
              HasSubstr("\"meta skuid != 0 jump not_root\""));
}

TEST(JobFirewallCheckInterval, FiveMinutesUnlessATestSaysOtherwise) {
  EXPECT_EQ(JobFirewallCheckInterval(nullptr), std::chrono::minutes(5));
  EXPECT_EQ(JobFirewallCheckInterval(""), std::chrono::minutes(5));
  EXPECT_EQ(JobFirewallCheckInterval("3"), std::chrono::seconds(3));
  for (const char* bad : {"0", "-1", "5m", "x"}) {
    EXPECT_EQ(JobFirewallCheckInterval(bad), std::chrono::minutes(5)) << bad;
  }
}

// A fake nft: answers `list` with `listing` (or fails with `list_status`), and `-f` with
// `load_status`; records every command.
struct FakeNft {
  std::string listing = kListing;
  int list_status = 0;
  int load_status = 0;
  std::vector<std::vector<std::string>> ran;
  CommandRunner Runner() {
    return [this](const std::vector<std::string>& argv) {
      ran.push_back(argv);
      if (argv.size() > 1 && argv[1] == "list") return CommandResult{list_status, listing};
      return CommandResult{load_status, ""};
    };
  }
};

TEST_F(InstallJobFirewallTest, AnIntactTableIsOnlyListed) {
  FakeNft nft;
  JobFirewallCheck check = CheckJobFirewall(kListed, path_, nft.Runner(), true);
  EXPECT_TRUE(check.ok);
  EXPECT_FALSE(check.changed);
  EXPECT_THAT(nft.ran, ElementsAre(ElementsAre("nft", "list", "table", "inet", "osg_worker")));
}

// Debian's `systemctl reload nftables` flushes the whole ruleset: the table is put back, and
// the log, status and ledger say so.
TEST_F(InstallJobFirewallTest, AFlushedTableIsReinstalledAndReported) {
  FakeNft nft;
  nft.list_status = 1;  // "Error: No such file or directory"
  nft.listing.clear();
  JobFirewallCheck check = CheckJobFirewall(kListed, path_, nft.Runner(), true);
  EXPECT_TRUE(check.ok);
  EXPECT_TRUE(check.changed);
  ASSERT_EQ(nft.ran.size(), 2u);
  EXPECT_THAT(nft.ran[1], ElementsAre("nft", "-f", path_));
  EXPECT_EQ(ReadFile(path_), RenderJobFirewall(kListed));
  EXPECT_EQ(check.result, "reinstalled");
  EXPECT_THAT(check.log, HasSubstr("job firewall: the table inet osg_worker is gone"));
  EXPECT_THAT(check.log, HasSubstr("reinstalled it"));
  EXPECT_EQ(check.status, DescribeJobFirewall(kListed) + " (nftables table inet osg_worker)");
}

TEST_F(InstallJobFirewallTest, ATableMissingARuleIsReinstalled) {
  FakeNft nft;
  nft.listing = "table inet osg_worker {\n}\n";  // nft flush table inet osg_worker
  JobFirewallCheck check = CheckJobFirewall(kListed, path_, nft.Runner(), true);
  EXPECT_TRUE(check.changed);
  EXPECT_EQ(check.result, "reinstalled");
  EXPECT_THAT(check.detail, HasSubstr("the table lacks"));
  EXPECT_EQ(nft.ran.size(), 2u);
}

TEST_F(InstallJobFirewallTest, AFailedReinstallIsLoudOnceThenQuiet) {
  FakeNft nft;
  nft.list_status = 1;
  nft.load_status = 1;
  JobFirewallCheck check = CheckJobFirewall(kListed, path_, nft.Runner(), true);
  EXPECT_FALSE(check.ok);
  EXPECT_TRUE(check.changed);
  EXPECT_EQ(check.result, "failed");
  EXPECT_THAT(check.log, HasSubstr("WARNING: job firewall NOT INSTALLED"));
  EXPECT_THAT(check.status, HasSubstr("jobs can reach the cloud metadata service"));
  // The next check tries again without listing, and says nothing new while it still fails.
  nft.ran.clear();
  check = CheckJobFirewall(kListed, path_, nft.Runner(), false);
  EXPECT_FALSE(check.ok);
  EXPECT_FALSE(check.changed);
  EXPECT_THAT(nft.ran, ElementsAre(ElementsAre("nft", "-f", path_)));
  // Once nft works again, the firewall is installed and that is news.
  nft.load_status = 0;
  check = CheckJobFirewall(kListed, path_, nft.Runner(), false);
  EXPECT_TRUE(check.ok);
  EXPECT_TRUE(check.changed);
  EXPECT_THAT(check.log, HasSubstr("it was not installed; reinstalled it"));
}

TEST(ResolveHost, NumericLiteralsNeedNoDns) {
  EXPECT_THAT(ResolveHost("169.254.169.254"), ElementsAre("169.254.169.254"));
  EXPECT_THAT(ResolveHost("fd00:ec2::254"), ElementsAre("fd00:ec2::254"));
}

}  // namespace
}  // namespace osg
