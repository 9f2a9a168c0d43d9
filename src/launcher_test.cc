#include "launcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>

#include "fake_fleet.h"
#include "test_token.h"

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;

class LauncherTest : public ::testing::Test {
 protected:
  Sleeper sleep_ = [this](std::chrono::seconds s) { slept_.push_back(s.count()); };
  std::vector<int64_t> slept_;
  FakeFleet fleet_;
  LaunchSpec spec_{.group = "G"};
};

TEST_F(LauncherTest, CreatesOneWorkerPerNameEachWithItsLaunchName) {
  LaunchResult result = LaunchWorkers(fleet_, spec_, "Token = x\n", {"g-1", "g-2"}, sleep_);
  ASSERT_TRUE(result.ok()) << result.error;
  ASSERT_EQ(result.created.size(), 2u);
  EXPECT_EQ(result.created[1].name, "g-2");
  EXPECT_EQ(fleet_.instances.size(), 2u);
  // The script carries the config base64-encoded; decoding is launch_user_data_test's business.
  EXPECT_NE(fleet_.user_datas[result.created[0].id].find("umask 077"), std::string::npos);
  EXPECT_EQ(ConfigWithLaunchName("A = 1", "g-1"),
            "A = 1\n# Written by osg-worker launch: how its controller finds this worker.\n"
            "LaunchName = g-1\n");
}

TEST_F(LauncherTest, RetriesWithTheSameNameSoNoSecondInstanceIsMade) {
  fleet_.create_results = {{Outcome::kRetry, "HTTP 503"}, {Outcome::kRetry, "timeout"}};
  LaunchResult result = LaunchWorkers(fleet_, spec_, "", {"g-1"}, sleep_);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(fleet_.calls, (std::vector<std::string>{"create g-1", "create g-1", "create g-1"}));
  EXPECT_EQ(slept_, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(fleet_.instances.size(), 1u);
}

TEST_F(LauncherTest, AFailurePartWayDeletesWhatItMadeAndSaysWhyInOneLine) {
  fleet_.create_results = {{Outcome::kDone, ""},
                           {Outcome::kDone, ""},
                           {Outcome::kRefused, "Nova answered HTTP 403 (forbidden: Quota exceeded for cores)"}};
  LaunchResult result = LaunchWorkers(fleet_, spec_, "", {"g-1", "g-2", "g-3"}, sleep_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error,
            "creating g-3 failed: Nova answered HTTP 403 (forbidden: Quota exceeded for cores); "
            "deleted the 2 created");
  EXPECT_EQ(result.error.find('\n'), std::string::npos);
  EXPECT_TRUE(fleet_.instances.empty());
  EXPECT_TRUE(result.created.empty());
}

TEST_F(LauncherTest, ACleanupThatFailsNamesWhatIsLeft) {
  fleet_.create_results = {{Outcome::kDone, ""}, {Outcome::kRefused, "no flavor"}};
  fleet_.delete_results = {{Outcome::kRefused, "HTTP 403"}};
  LaunchResult result = LaunchWorkers(fleet_, spec_, "", {"g-1", "g-2"}, sleep_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.not_deleted, (std::vector<std::string>{"id-1"}));
  EXPECT_NE(result.error.find("COULD NOT DELETE id-1"), std::string::npos) << result.error;
}

TEST_F(LauncherTest, UserDataOverTheCloudsLimitIsRefusedBeforeAnyCall) {
  LaunchResult result = LaunchWorkers(fleet_, spec_, std::string(60000, '#'), {"g-1"}, sleep_);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(fleet_.calls.empty());
}

TEST(LaunchNamesTest, PrefixesFollowTheGroupAndNamesAreUnique) {
  EXPECT_EQ(DefaultNamePrefix("My Test Workers"), "my-test-workers");
  EXPECT_EQ(DefaultNamePrefix("TG-A's $5 workers!!"), "tg-a-s-5-workers");
  EXPECT_EQ(DefaultNamePrefix("***"), "osg-worker");
  EXPECT_EQ(DefaultNamePrefix("42 cores"), "w-42-cores");
  EXPECT_LE(DefaultNamePrefix(std::string(100, 'a')).size(), 24u);
  std::vector<std::string> names = NewLaunchNames("g", 50);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
  EXPECT_EQ(names[0].size(), 8u);
}

TEST(LaunchConfigTest, ChecksTheConfigBeforeAnythingIsLaunched) {
  std::string good = "WorkerGroupName = G\nToken = " + testing::MakeToken(std::time(nullptr) + 86400) + "\nStart = True\n";
  std::string group;
  std::vector<std::string> warnings;
  ASSERT_TRUE(CheckLaunchConfig(good, "w.conf", "openstack", &group, &warnings).ok());
  EXPECT_EQ(group, "G");
  ASSERT_EQ(warnings.size(), 1u);  // no Cloud: it cannot delete itself
  EXPECT_NE(warnings[0].find("still bills"), std::string::npos);
  group = "H";
  EXPECT_NE(CheckLaunchConfig(good, "w.conf", "ec2", &group, &warnings).message().find("--group"),
            std::string::npos);
  group.clear();
  Status bad = CheckLaunchConfig("Start = True\nIdleTimeout = soon\n", "w.conf", "ec2", &group, &warnings);
  EXPECT_NE(bad.message().find("w.conf:2"), std::string::npos) << bad.message();
  EXPECT_NE(bad.message().find("nothing was launched"), std::string::npos);
  group.clear();
  EXPECT_FALSE(CheckLaunchConfig(good + "Cloud = gce\n", "w.conf", "ec2", &group, &warnings).ok());
  group.clear();
  EXPECT_FALSE(CheckLaunchConfig(good + "LaunchName = x\n", "w.conf", "ec2", &group, &warnings).ok());
}

}  // namespace
}  // namespace osg
