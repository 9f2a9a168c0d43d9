#include "scrub.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "files.h"
#include "test_temp_dir.h"

namespace osg {
namespace {

using ScrubTest = TempDirTest;

// A second hard link keeps the inode, and so the blocks, readable after the removal: what it
// reads is what a raw copy of the disk would find there.
TEST_F(ScrubTest, OverwritesTheBytesBeforeRemovingTheFile) {
  std::string secret = Write("etc/osg-worker.conf", "Token = the-secret-token\n");
  ASSERT_EQ(link(secret.c_str(), (dir_ + "/witness").c_str()), 0);
  ASSERT_TRUE(ScrubAndRemove(secret).ok());
  EXPECT_FALSE(std::filesystem::exists(secret));
  EXPECT_EQ(ReadFile(dir_ + "/witness"), std::string(25, '\0'));
}

TEST_F(ScrubTest, OverwritesEveryFileOfATreeButFollowsNoLink) {
  Write("outside", "not ours");
  Write("tree/a", "aaa");
  Write("tree/sub/b", "bbbb");
  ASSERT_EQ(link((dir_ + "/tree/sub/b").c_str(), (dir_ + "/witness-b").c_str()), 0);
  std::filesystem::create_symlink(dir_ + "/outside", dir_ + "/tree/link");
  ASSERT_TRUE(ScrubAndRemove(dir_ + "/tree").ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/tree"));
  EXPECT_EQ(ReadFile(dir_ + "/witness-b"), std::string(4, '\0'));
  EXPECT_EQ(ReadFile(dir_ + "/outside"), "not ours") << "a link's target is not ours to scrub";
}

TEST_F(ScrubTest, AMissingPathIsNoError) {
  EXPECT_TRUE(ScrubAndRemove(dir_ + "/none").ok());
}

TEST_F(ScrubTest, ZeroFillWritesThenRemovesItsFile) {
  ZeroFillResult result = ZeroFillFreeSpace(dir_, 3 * 1024 * 1024 + 5);
  ASSERT_TRUE(result.status.ok()) << result.status.message();
  EXPECT_EQ(result.bytes, 3u * 1024 * 1024 + 5);
  EXPECT_TRUE(std::filesystem::is_empty(dir_)) << "the zero file is removed";
}

// A sysfs of our own: SYS/dev/block/MAJOR:MINOR for the test directory's device, linked as the
// kernel links it, and the ext4 directory of that device with its reserve.
TEST_F(ScrubTest, ZeroFillLowersExt4sReserveAndRestoresIt) {
  struct stat st {};
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  std::string sys = dir_ + "/sys";
  std::filesystem::create_directories(sys + "/dev/block");
  std::filesystem::create_symlink(
      "../../devices/virtual/block/vdz/vdz1",
      sys + "/dev/block/" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)));
  EXPECT_EQ(Ext4SysfsDir(dir_, sys), "") << "no ext4 directory for the device: not ext4";
  Write("sys/fs/ext4/vdz1/reserved_clusters", "4096\n");
  EXPECT_EQ(Ext4SysfsDir(dir_, sys), sys + "/fs/ext4/vdz1");
  ZeroFillResult result = ZeroFillFreeSpace(dir_, 4096, sys);
  ASSERT_TRUE(result.status.ok()) << result.status.message();
  EXPECT_TRUE(result.reserve_included);
  EXPECT_EQ(ReadFile(sys + "/fs/ext4/vdz1/reserved_clusters"), "4096\n") << "restored";
  EXPECT_EQ(Ext4SysfsDir(dir_ + "/none", sys), "");
}

TEST_F(ScrubTest, ZeroFillSaysWhyATmpfsOrAnOverlayIsSkipped) {
  // /proc is neither ext4 nor XFS: the reason names its type.
  std::optional<std::string> proc = ZeroFillUnsupported("/proc");
  ASSERT_TRUE(proc.has_value());
  EXPECT_NE(proc->find("neither ext4 nor XFS"), std::string::npos) << *proc;
  EXPECT_TRUE(ZeroFillUnsupported(dir_ + "/none").has_value());
}

}  // namespace
}  // namespace osg
