#include "supervisor.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "files.h"
#include "test_temp_dir.h"

namespace osg {
namespace {

// Real processes: a `sleep` stands in for condor_master.
class SupervisorTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    pid_file_ = dir_ + "/run/condor_master.pid";
  }

  Supervisor Make() {
    return Supervisor({"/bin/sleep", "1000"}, pid_file_,
                      [this](const std::string& line) { log_ += line + "\n"; });
  }

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

// No exceptions across modules: a pid file that cannot be written (its directory cannot be
// made) is logged, and the process it would have named still runs.
TEST_F(SupervisorTest, APidFileThatCannotBeWrittenIsReportedNotThrown) {
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/run", "a file where a directory should be\n", 0644).ok());
  Supervisor supervisor = Make();
  Status started = Status::Error("not started");
  EXPECT_NO_THROW(started = supervisor.Start(Clock::now()));
  EXPECT_TRUE(started.ok());
  EXPECT_TRUE(supervisor.running());
  EXPECT_NE(log_.find("supervisor: cannot create " + dir_ + "/run"), std::string::npos) << log_;
  supervisor.Stop(Seconds(5));
}

void FakeProcess(const std::string& proc, pid_t pid, const std::string& stat) {
  ASSERT_TRUE(WriteFileAtomically(proc + "/" + std::to_string(pid) + "/stat", stat, 0644).ok());
}

// "PID (NAME) S PARENT" and the fields up to the 22nd, the start time.
std::string StatLine(pid_t pid, const std::string& name, pid_t parent) {
  return std::to_string(pid) + " (" + name + ") S " + std::to_string(parent) +
         " 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 12345 0 0\n";
}

TEST_F(SupervisorTest, FindLeftoversReadsChildrenAndAdoptedDaemonsSkippingJunk) {
  std::string proc = dir_ + "/proc";
  FakeProcess(proc, 100, StatLine(100, "condor_startd", 10));       // our child
  FakeProcess(proc, 101, StatLine(101, "condor_shared_port", 1));   // an adopted master's
  FakeProcess(proc, 102, StatLine(102, "sshd", 1));                 // not ours
  FakeProcess(proc, 103, "103 (condor_x) S notapid\n");             // unreadable: skipped
  FakeProcess(proc, 11, StatLine(11, "condor_master", 10));         // `except`
  FakeProcess(proc, 12, StatLine(12, "exe", 10));                   // `except`: the image preparer
  ASSERT_TRUE(WriteFileAtomically(proc + "/self/stat", StatLine(10, "osg-worker", 1), 0644).ok());
  ASSERT_TRUE(WriteFileAtomically(proc + "/99999999999999999999/stat", "x\n", 0644).ok());
  std::vector<pid_t> found;
  ASSERT_TRUE(FindLeftovers(proc, 10, {11, 12}, /*adopted=*/false, &found).ok());
  EXPECT_EQ(found, std::vector<pid_t>{100});
  ASSERT_TRUE(FindLeftovers(proc, 10, {11, 12}, /*adopted=*/true, &found).ok());
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<pid_t>{100, 101}));
}

TEST_F(SupervisorTest, FindLeftoversInAnUnreadableProcIsAnErrorNotAThrow) {
  std::vector<pid_t> found{1};
  Status status = Status::Ok();
  EXPECT_NO_THROW(status = FindLeftovers(dir_ + "/no-proc", 10, {11}, true, &found));
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find(dir_ + "/no-proc"), std::string::npos) << status.message();
  EXPECT_TRUE(found.empty());
}

}  // namespace
}  // namespace osg
