#include "supervisor.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "subprocess.h"

namespace osg {
namespace {

constexpr Seconds kMaxBackoff{60};
constexpr Seconds kHealthyRun{300};  // a run this long resets the backoff

std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status))
    return std::string("killed by signal ") + strsignal(WTERMSIG(wait_status));
  return "stopped";
}

// Our child processes other than `except`, read from /proc.
std::vector<pid_t> ChildrenExcept(pid_t except) {
  std::vector<pid_t> children;
  pid_t self = getpid();
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    size_t close = line.rfind(')');  // the command name may hold spaces and parentheses
    if (close == std::string::npos) continue;
    std::istringstream fields(line.substr(close + 2));
    char state;
    pid_t parent = 0;
    fields >> state >> parent;
    pid_t pid = static_cast<pid_t>(std::stol(name));
    if (parent == self && pid != except) children.push_back(pid);
  }
  return children;
}

}  // namespace

Supervisor::Supervisor(std::vector<std::string> argv, Logger logger)
    : argv_(std::move(argv)), logger_(std::move(logger)) {}

Status Supervisor::Start(TimePoint now) {
  restart_at_.reset();
  pid_ = SpawnProcess(argv_);
  if (pid_ < 0) {
    restart_at_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    return Status::Error("cannot start " + argv_[0]);
  }
  started_at_ = now;
  logger_("supervisor: started " + argv_[0] + " (pid " + std::to_string(pid_) + ")");
  return Status::Ok();
}

bool Supervisor::OnExit(pid_t pid, int wait_status, TimePoint now) {
  if (pid != pid_ || pid_ < 0) return false;
  pid_ = -1;
  if (now - started_at_ >= kHealthyRun) backoff_ = Seconds(1);
  restart_at_ = now + backoff_;
  logger_("supervisor: " + argv_[0] + " " + DescribeExit(wait_status) + "; restarting in " +
          FormatDuration(backoff_));
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  ++restarts_;
  return true;
}

void Supervisor::StopLeftovers(Seconds grace) {
  std::vector<pid_t> leftovers = ChildrenExcept(pid_);
  if (leftovers.empty()) return;
  logger_("supervisor: stopping " + std::to_string(leftovers.size()) +
          " HTCondor processes left behind by condor_master");
  for (pid_t pid : leftovers) kill(pid, SIGTERM);
  auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    int status = 0;
    while (waitpid(-1, &status, WNOHANG) > 0) {
    }
    if (ChildrenExcept(pid_).empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (pid_t pid : ChildrenExcept(pid_)) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(-1, &status, WNOHANG) > 0) {
  }
}

void Supervisor::Stop(Seconds timeout) {
  restart_at_.reset();
  if (pid_ < 0) return;
  kill(pid_, SIGTERM);
  auto deadline = Clock::now() + timeout;
  int status = 0;
  while (Clock::now() < deadline) {
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_ || (done < 0 && errno == ECHILD)) {
      logger_("supervisor: " + argv_[0] + " stopped");
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  logger_("supervisor: " + argv_[0] + " did not stop in " + FormatDuration(timeout) +
          "; killing it");
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace osg
