#include "credential_files.h"
#include "test_temp_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace osg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A file system in a map: what the module looked at, changed and unset is recorded.
struct FakeFiles {
  struct File {
    FileFacts facts;
    std::string text;
  };
  std::map<std::string, File> files;
  std::vector<std::string> unset;
  bool chmod_fails = false;

  CredentialFileSystem Fs() {
    CredentialFileSystem fs;
    fs.stat = [this](const std::string& path) -> std::optional<FileFacts> {
      auto it = files.find(path);
      if (it == files.end()) return std::nullopt;
      return it->second.facts;
    };
    fs.chmod = [this](const std::string& path, mode_t mode) {
      if (chmod_fails) return false;
      files[path].facts.mode = mode;
      return true;
    };
    fs.read = [this](const std::string& path) -> std::optional<std::string> {
      auto it = files.find(path);
      if (it == files.end()) return std::nullopt;
      return it->second.text;
    };
    fs.unsetenv = [this](const char* name) { unset.emplace_back(name); };
    fs.user_name = [](uid_t uid) { return uid == 1000 ? std::string("alice") : std::string(); };
    fs.self = 0;
    return fs;
  }
};

const char kYaml[] = "/etc/openstack/clouds.yaml";
const char kSecretEnv[] =
    "# written by user-data\n"
    "OS_AUTH_URL=https://keystone.example/v3\n"
    "OS_APPLICATION_CREDENTIAL_ID=the-id\n"
    " OS_APPLICATION_CREDENTIAL_SECRET = s3cr3t-value\n"
    "AWS_SECRET_ACCESS_KEY=aws-s3cr3t\n"
    "PATH=/usr/bin\n"
    "not a line\n";

std::vector<std::string> Paths() { return {kCloudEnvFile, kYaml}; }

TEST(CredentialFilePaths, CloudEnvThenTheCloudsYamlSearchPath) {
  auto no_env = [](const char*) -> const char* { return nullptr; };
  EXPECT_THAT(CredentialFilePaths(no_env, "/root"),
              ElementsAre("/etc/osg-worker/cloud.env", "/root/.config/openstack/clouds.yaml",
                          "/etc/openstack/clouds.yaml"));
}

TEST(HomeDirectory, IsThePasswdEntrysAndIgnoresHome) {
  const char* saved = getenv("HOME");
  std::string before = HomeDirectory();
  setenv("HOME", "/elsewhere", 1);
  EXPECT_EQ(HomeDirectory(), before);
  unsetenv("HOME");
  EXPECT_EQ(HomeDirectory(), before);
  if (saved != nullptr) setenv("HOME", saved, 1);
  if (geteuid() == 0) {
    EXPECT_EQ(before, "/root");
  }
}

TEST(InspectCredentialFiles, RootOnlyFilesAndAbsentOnesAreFine) {
  FakeFiles fake;
  fake.files[kCloudEnvFile] = {{0, 0600}, kSecretEnv};
  EXPECT_THAT(InspectCredentialFiles(Paths(), fake.Fs()), IsEmpty());
}

TEST(InspectCredentialFiles, WarnsOfAFileOthersCanReadOrWrite) {
  for (mode_t mode : {0644, 0640, 0602, 0660}) {
    FakeFiles fake;
    fake.files[kCloudEnvFile] = {{0, mode}, kSecretEnv};
    auto problems = InspectCredentialFiles(Paths(), fake.Fs());
    ASSERT_EQ(problems.size(), 1u) << mode;
    EXPECT_EQ(problems[0].kind, CredentialFileProblem::Kind::kOpen);
    EXPECT_THAT(problems[0].message, HasSubstr("/etc/osg-worker/cloud.env is 0" +
                                               std::to_string(mode / 64) +
                                               std::to_string(mode / 8 % 8) +
                                               std::to_string(mode % 8)));
    EXPECT_THAT(problems[0].message, HasSubstr("chmod 600"));
    EXPECT_EQ(fake.files[kCloudEnvFile].facts.mode, mode) << "check must change nothing";
  }
}

TEST(InspectCredentialFiles, NamesAFileAnotherUserOwns) {
  FakeFiles fake;
  fake.files[kYaml] = {{1000, 0600}, "clouds: {}"};
  auto problems = InspectCredentialFiles(Paths(), fake.Fs());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, CredentialFileProblem::Kind::kForeignOwner);
  EXPECT_THAT(problems[0].message,
              HasSubstr("/etc/openstack/clouds.yaml is owned by uid 1000 (alice), not root"));
  EXPECT_THAT(problems[0].message, HasSubstr("not used"));
}

TEST(InspectCredentialFiles, TheUserRunningCheckMayOwnTheirFiles) {
  FakeFiles fake;
  fake.files[kYaml] = {{1000, 0600}, ""};
  CredentialFileSystem fs = fake.Fs();
  fs.self = 1000;
  EXPECT_THAT(InspectCredentialFiles(Paths(), fs), IsEmpty());
}

TEST(SecureCredentialFiles, MakesAnOpenFilePrivateAndSaysSoWithoutItsContent) {
  FakeFiles fake;
  fake.files[kCloudEnvFile] = {{0, 0644}, kSecretEnv};
  fake.files[kYaml] = {{0, 0600}, ""};
  std::vector<std::string> log;
  SecureCredentialFiles(Paths(), fake.Fs(), [&](const std::string& l) { log.push_back(l); });
  EXPECT_EQ(fake.files[kCloudEnvFile].facts.mode, 0600u);
  EXPECT_EQ(fake.files[kYaml].facts.mode, 0600u);
  ASSERT_THAT(log, ElementsAre(HasSubstr("made /etc/osg-worker/cloud.env private (0600, was 0644)")));
  EXPECT_THAT(log[0], Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(fake.unset, IsEmpty()) << "a root-owned cloud.env is used";
}

TEST(SecureCredentialFiles, SaysWhenAFileCannotBeMadePrivate) {
  FakeFiles fake;
  fake.chmod_fails = true;
  fake.files[kYaml] = {{0, 0644}, ""};
  std::vector<std::string> log;
  SecureCredentialFiles(Paths(), fake.Fs(), [&](const std::string& l) { log.push_back(l); });
  EXPECT_THAT(log, ElementsAre(HasSubstr("warning: cannot make /etc/openstack/clouds.yaml private")));
}

TEST(SecureCredentialFiles, ForgetsTheCredentialVariablesOfACloudEnvAnotherUserOwns) {
  FakeFiles fake;
  fake.files[kCloudEnvFile] = {{1000, 0644}, kSecretEnv};
  std::vector<std::string> log;
  SecureCredentialFiles(Paths(), fake.Fs(), [&](const std::string& l) { log.push_back(l); });
  EXPECT_EQ(fake.files[kCloudEnvFile].facts.mode, 0600u) << "narrowed even though refused";
  EXPECT_THAT(fake.unset, ElementsAre("OS_AUTH_URL", "OS_APPLICATION_CREDENTIAL_ID",
                                      "OS_APPLICATION_CREDENTIAL_SECRET", "AWS_SECRET_ACCESS_KEY"));
  ASSERT_EQ(log.size(), 2u);
  EXPECT_THAT(log[1], HasSubstr("error: /etc/osg-worker/cloud.env is owned by uid 1000 (alice)"));
  EXPECT_THAT(log[1], HasSubstr("falls back to a power-off"));
  EXPECT_THAT(log[1], HasSubstr("chown root:root /etc/osg-worker/cloud.env"));
  EXPECT_THAT(log[1], HasSubstr("removed from the agent's environment: OS_AUTH_URL"));
  for (const std::string& line : log) EXPECT_THAT(line, Not(HasSubstr("s3cr3t")));
}

TEST(SecureCredentialFiles, RefusesAForeignCloudsYamlWithoutTouchingTheEnvironment) {
  FakeFiles fake;
  fake.files[kYaml] = {{1000, 0600}, ""};
  std::vector<std::string> log;
  SecureCredentialFiles(Paths(), fake.Fs(), [&](const std::string& l) { log.push_back(l); });
  EXPECT_THAT(log, ElementsAre(HasSubstr("error: /etc/openstack/clouds.yaml is owned by uid 1000")));
  EXPECT_THAT(fake.unset, IsEmpty());
}

TEST(CredentialVariableNames, OnlyCredentialNamesNeverValues) {
  EXPECT_THAT(CredentialVariableNames(kSecretEnv),
              ElementsAre("OS_AUTH_URL", "OS_APPLICATION_CREDENTIAL_ID",
                          "OS_APPLICATION_CREDENTIAL_SECRET", "AWS_SECRET_ACCESS_KEY"));
  EXPECT_THAT(CredentialVariableNames("OS_X Y=1\n=2\n;OS_Z=3\n"), IsEmpty());
}

class ReadCredentialFileTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    path_ = dir_ + "/cloud.env";
  }
  std::string path_;
};

TEST_F(ReadCredentialFileTest, ReadsAFileOfOurs) {
  std::ofstream(path_) << "OS_CLOUD=js2\n";
  std::string text;
  bool exists = false;
  ASSERT_TRUE(ReadCredentialFile(path_, &text, &exists).ok());
  EXPECT_TRUE(exists);
  EXPECT_EQ(text, "OS_CLOUD=js2\n");
}

TEST_F(ReadCredentialFileTest, AnAbsentFileIsNoError) {
  std::string text;
  bool exists = true;
  EXPECT_TRUE(ReadCredentialFile(dir_ + "/absent", &text, &exists).ok());
  EXPECT_FALSE(exists);
}

TEST_F(ReadCredentialFileTest, RefusesAFileAnotherUserOwns) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  std::ofstream(path_) << "secret-content\n";
  ASSERT_EQ(chown(path_.c_str(), 65534, 65534), 0);
  std::string text;
  bool exists = false;
  Status s = ReadCredentialFile(path_, &text, &exists);
  EXPECT_TRUE(exists);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(path_ + " is owned by uid 65534"));
  EXPECT_THAT(s.message(), Not(HasSubstr("secret-content")));
  EXPECT_TRUE(text.empty());
}

}  // namespace
}  // namespace osg
