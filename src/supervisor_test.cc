#include "supervisor.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "files.h"

namespace osg {
namespace {

// Real processes: a `sleep` stands in for condor_master.
class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/osg-supervisor-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    pid_file_ = dir_ + "/run/condor_master.pid";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Supervisor Make() {
    return Supervisor({"/bin/sleep", "1000"}, pid_file_,
                      [this](const std::string& line) { log_ += line + "\n"; });
  }

  std::string dir_;
  std::string pid_file_;
  std::string log_;
};

TEST_F(SupervisorTest, AStartedProcessIsAdoptedByTheNextSupervisor) {
  Supervisor first = Make();
  ASSERT_TRUE(first.Start(Clock::now()).ok());
  pid_t pid = first.pid();
  ASSERT_TRUE(ReadFile(pid_file_).has_value());

  Supervisor second = Make();  // the first agent was killed: its child runs on
  ASSERT_TRUE(second.Adopt(Clock::now()));
  EXPECT_EQ(second.pid(), pid);
  EXPECT_TRUE(second.adopted());
  pollfd ready = {second.exit_fd(), POLLIN, 0};
  EXPECT_EQ(poll(&ready, 1, 0), 0) << "the adopted process looks exited";

  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);  // the test process is its parent: reap it so that the pidfd fires
  ASSERT_EQ(poll(&ready, 1, 5000), 1);
  second.OnAdoptedExit(Clock::now());
  EXPECT_FALSE(second.running());
  EXPECT_TRUE(second.restart_at().has_value());
  EXPECT_FALSE(ReadFile(pid_file_).has_value()) << "the pid file outlived its process";
}

TEST_F(SupervisorTest, StopEndsAnAdoptedProcess) {
  Supervisor first = Make();
  ASSERT_TRUE(first.Start(Clock::now()).ok());
  pid_t pid = first.pid();
  Supervisor second = Make();
  ASSERT_TRUE(second.Adopt(Clock::now()));
  std::thread reaper([pid] { waitpid(pid, nullptr, 0); });  // as init would
  second.Stop(Seconds(5));
  reaper.join();
  EXPECT_FALSE(second.running());
  EXPECT_NE(kill(pid, 0), 0);
  EXPECT_FALSE(second.restart_at().has_value()) << "a requested stop must not restart it";
}

TEST_F(SupervisorTest, APidFileNamingAnotherProcessIsNotAdopted) {
  std::filesystem::create_directories(dir_ + "/run");
  // Our own pid, with a start time that is not ours: a reused pid.
  std::ofstream(pid_file_) << getpid() << " 1\n";
  Supervisor supervisor = Make();
  EXPECT_FALSE(supervisor.Adopt(Clock::now()));
  EXPECT_FALSE(ReadFile(pid_file_).has_value()) << "a stale pid file is removed";
  std::ofstream(pid_file_) << "garbage\n";
  EXPECT_FALSE(supervisor.Adopt(Clock::now()));
  EXPECT_FALSE(supervisor.Adopt(Clock::now())) << "no pid file at all";
}

TEST_F(SupervisorTest, OnlyTheNamedProgramIsAdopted) {
  Supervisor sleeper = Make();
  ASSERT_TRUE(sleeper.Start(Clock::now()).ok());
  Supervisor other({"/usr/sbin/condor_master", "-f"}, pid_file_, [](const std::string&) {});
  EXPECT_FALSE(other.Adopt(Clock::now())) << "a sleep is not a condor_master";
  sleeper.Stop(Seconds(5));
}

}  // namespace
}  // namespace osg
