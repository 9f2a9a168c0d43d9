#include "file_writers.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "files.h"

namespace osg {
namespace {

using std::chrono::milliseconds;

class FileWritersTest : public testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/osg-file-writers-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/osg-worker.conf";
  }
  void TearDown() override {
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }

  // A child process that opens the file with `flags` and holds it for `hold`, then exits.
  // Returns once the file is open.
  void ChildHolds(int flags, milliseconds hold) {
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    child_ = fork();
    ASSERT_GE(child_, 0);
    if (child_ == 0) {
      int fd = open(path_.c_str(), flags | O_CREAT, 0600);
      (void)!write(ready[1], "x", 1);
      usleep(static_cast<useconds_t>(hold.count() * 1000));
      (void)!write(fd, "done", 4);
      close(fd);
      _exit(0);
    }
    close(ready[1]);
    char byte;
    ASSERT_EQ(read(ready[0], &byte, 1), 1);
    close(ready[0]);
  }

  std::string dir_;
  std::string path_;
  pid_t child_ = -1;
};

TEST_F(FileWritersTest, SeesThisProcessWhileItHoldsTheFileForWriting) {
  int fd = open(path_.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ProcessesWriting(path_), std::vector<pid_t>{getpid()});
  close(fd);
  EXPECT_TRUE(ProcessesWriting(path_).empty());
}

TEST_F(FileWritersTest, ReadWriteCountsAsWriting) {
  int fd = open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND, 0600);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ProcessesWriting(path_), std::vector<pid_t>{getpid()});
  close(fd);
}

TEST_F(FileWritersTest, AReaderIsNoWriter) {
  close(open(path_.c_str(), O_WRONLY | O_CREAT, 0600));
  int fd = open(path_.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(ProcessesWriting(path_).empty());
  close(fd);
}

TEST_F(FileWritersTest, AnotherFileOpenForWritingIsNotThisOne) {
  close(open(path_.c_str(), O_WRONLY | O_CREAT, 0600));
  int fd = open((dir_ + "/other").c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(ProcessesWriting(path_).empty());
  close(fd);
}

TEST_F(FileWritersTest, AMissingFileHasNoWriter) {
  EXPECT_TRUE(ProcessesWriting(dir_ + "/missing").empty());
}

TEST_F(FileWritersTest, SeesAnotherProcessAndWaitsUntilItCloses) {
  ChildHolds(O_WRONLY | O_TRUNC, milliseconds(600));
  EXPECT_EQ(ProcessesWriting(path_), std::vector<pid_t>{child_});
  // Through a symbolic link too: the fd links name the file by its real path.
  std::filesystem::create_symlink(path_, dir_ + "/link");
  EXPECT_EQ(ProcessesWriting(dir_ + "/link"), std::vector<pid_t>{child_});
  EXPECT_TRUE(WaitUntilNoWriter(path_, milliseconds(20000), milliseconds(20)));
  EXPECT_EQ(ReadFile(path_), "done") << "returned before the writer had finished";
}

TEST_F(FileWritersTest, GivesUpAtTheLimitWhileTheWriterHoldsOn) {
  ChildHolds(O_WRONLY, milliseconds(60000));
  EXPECT_FALSE(WaitUntilNoWriter(path_, milliseconds(300), milliseconds(20)));
}

}  // namespace
}  // namespace osg
