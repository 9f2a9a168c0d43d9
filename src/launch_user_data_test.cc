#include "launch_user_data.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base64.h"
#include "files.h"
#include "subprocess.h"

namespace osg {
namespace {

TEST(EncodeBase64, MatchesRfc4648sVectors) {
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64("foob"), "Zm9vYg==");
  EXPECT_EQ(EncodeBase64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(EncodeBase64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(EncodeBase64(std::string("\xff\xfe\x00", 3)), "//4A");
}

// The script run by a real sh, as cloud-init runs it: the file it writes is the config, byte for
// byte (quotes, $, a line like the heredoc's end, a missing final newline), and root-only.
TEST(MakeLaunchUserData, WritesTheConfigExactlyAndRootOnly) {
  char pattern[] = "/tmp/osg-launch-test.XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string dir = pattern;
  std::string config =
      "WorkerGroupName = My Test Workers\nToken = aaa.bbb.ccc\n"
      "Start = TARGET.ProjectName == \"TG-NNNNNN\" && $(HOME) != `id`\nOSG_WORKER_CONF\n'\\";
  LaunchUserData data = MakeLaunchUserData(config, UserDataLimit("ec2"), dir + "/osg-worker.conf");
  ASSERT_TRUE(data.status.ok()) << data.status.message();
  EXPECT_TRUE(data.script.starts_with("#!/bin/sh\n"));
  EXPECT_EQ(data.script.find("aaa.bbb.ccc"), std::string::npos) << "the token is only in base64";
  ASSERT_TRUE(WriteFileAtomically(dir + "/user-data", data.script, 0700).ok());
  // umask 022, as a boot script would otherwise run: the script's own umask must win.
  mode_t old = umask(022);
  CommandResult run = RunCommand({"sh", dir + "/user-data"});
  umask(old);
  ASSERT_TRUE(run.ok()) << run.exit_status;
  EXPECT_EQ(ReadFile(dir + "/osg-worker.conf"), config);
  struct stat st {};
  ASSERT_EQ(stat((dir + "/osg-worker.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(ReadFile(dir + "/osg-worker.conf.launch").has_value());
  RemovePath(dir);
}

TEST(MakeLaunchUserData, SaysWhenTheConfigIsTooLargeForTheCloud) {
  std::string config(20000, 'x');
  LaunchUserData ec2 = MakeLaunchUserData(config, UserDataLimit("ec2"));
  ASSERT_FALSE(ec2.status.ok());
  EXPECT_NE(ec2.status.message().find("this cloud takes at most 16384"), std::string::npos)
      << ec2.status.message();
  EXPECT_TRUE(MakeLaunchUserData(config, UserDataLimit("openstack")).status.ok());
  EXPECT_LE(EncodeBase64(std::string(UserDataLimit("openstack"), 'x')).size(), 65535u);
}

}  // namespace
}  // namespace osg
