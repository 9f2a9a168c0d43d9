#include "files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

namespace osg {
namespace {

// HTCondor's default LOCAL_CONFIG_DIR_EXCLUDE_REGEXP, matched against each file name of config.d
// and tokens.d: a name it matches is not read. The manual's (and the sample condor_config's), and
// the wider one that `condor_config_val -v LOCAL_CONFIG_DIR_EXCLUDE_REGEXP` prints on Debian 13's
// HTCondor 23.9 (measured). A temporary name must be skipped by both.
const std::regex kManualExcludes(R"(^((\..*)|(.*~)|(#.*)|(.*\.rpmsave)|(.*\.rpmnew))$)");
const std::regex kDebianExcludes(
    R"(^((\..*)|(.*\.pl)|(.*\.py)|(.*\.sh)|(.*~)|(#.*)|(.*\.rpmsave)|(.*\.rpmnew)|)"
    R"((.*\.dpkg-old)|(.*\.dpkg-dist)|(.*\.cfsaved))$)");

bool CondorSkips(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  return std::regex_match(name, kManualExcludes) && std::regex_match(name, kDebianExcludes);
}

TEST(CondorSkips, MatchesHTCondorsOwnExamples) {
  EXPECT_TRUE(CondorSkips("/etc/condor/config.d/.hidden"));
  EXPECT_TRUE(CondorSkips("/etc/condor/config.d/50-local.conf~"));
  EXPECT_TRUE(CondorSkips("/etc/condor/config.d/50-local.conf.rpmnew"));
  EXPECT_FALSE(CondorSkips("/etc/condor/config.d/90-osg-worker-stopping.conf"));
  EXPECT_FALSE(CondorSkips("/etc/condor/config.d/90-osg-worker-stopping.conf.tmp.123"));
}

TEST(TempPathFor, IsANameHTCondorDoesNotReadInTheSameDirectory) {
  for (const char* path : {"/etc/condor/config.d/90-osg-worker-stopping.conf",
                           "/etc/condor/tokens.d/osg-worker.token"}) {
    std::string temp = TempPathFor(path, 4242);
    EXPECT_TRUE(CondorSkips(temp)) << temp;
    EXPECT_EQ(std::filesystem::path(temp).parent_path(), std::filesystem::path(path).parent_path());
    EXPECT_NE(temp, path);
  }
}

class FilesTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "osg-files-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  bool Exists(const std::string& name) { return std::filesystem::exists(dir_ + "/" + name); }
  void Touch(const std::string& name) {
    ASSERT_TRUE(WriteFileAtomically(dir_ + "/" + name, "x\n", 0644).ok());
  }

  std::string dir_;
};

TEST_F(FilesTest, WriteLeavesOnlyTheTarget) {
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/a.conf", "A = 1\n", 0644).ok());
  EXPECT_EQ(ReadFile(dir_ + "/a.conf"), "A = 1\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
}

TEST_F(FilesTest, RemoveLeftoverTempFilesTakesOnlyThoseOfThatFile) {
  std::string target = dir_ + "/90-osg-worker-stopping.conf";
  Touch(std::filesystem::path(TempPathFor(target, 17)).filename());
  Touch("90-osg-worker-stopping.conf.tmp.18");  // the name before temp names began with '.'
  Touch("90-osg-worker-stopping.conf");
  Touch("90-osg-worker-stopping.conf.tmp.notapid");
  Touch("50-osg-worker.conf.tmp.19");  // another file's: left to that file's own cleanup
  Touch("10-admin.conf");
  ASSERT_TRUE(RemoveLeftoverTempFiles(target).ok());
  EXPECT_FALSE(Exists(std::filesystem::path(TempPathFor(target, 17)).filename()));
  EXPECT_FALSE(Exists("90-osg-worker-stopping.conf.tmp.18"));
  EXPECT_TRUE(Exists("90-osg-worker-stopping.conf"));
  EXPECT_TRUE(Exists("90-osg-worker-stopping.conf.tmp.notapid"));
  EXPECT_TRUE(Exists("50-osg-worker.conf.tmp.19"));
  EXPECT_TRUE(Exists("10-admin.conf"));
}

TEST_F(FilesTest, RemoveLeftoverTempFilesInAMissingDirectoryIsNoError) {
  EXPECT_TRUE(RemoveLeftoverTempFiles(dir_ + "/missing/a.conf").ok());
}

}  // namespace
}  // namespace osg
