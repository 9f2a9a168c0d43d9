#include "supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "files.h"
#include "subprocess.h"

namespace osg {
namespace {

// Through syscall(): trixie's <sys/pidfd.h> declares these without C linkage for C++.
int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }
void PidfdSignal(int pidfd, int signal) {
  syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0);
}

constexpr Seconds kMaxBackoff{60};
constexpr Seconds kHealthyRun{300};  // a run this long resets the backoff

std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status))
    return std::string("killed by signal ") + strsignal(WTERMSIG(wait_status));
  return "stopped";
}

struct ProcStat {
  std::string name;  // the command name (comm)
  pid_t parent = 0;
  unsigned long long start_ticks = 0;  // since boot: with the pid, names one process for ever
};

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  size_t open = line.find('(');
  size_t close = line.rfind(')');  // the command name may hold spaces and parentheses
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  ProcStat result;
  result.name = line.substr(open + 1, close - open - 1);
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  // Fields from the 3rd (state): 4th is the parent, 22nd the start time.
  for (int index = 3; fields >> field; ++index) {
    if (index == 4) result.parent = static_cast<pid_t>(std::stol(field));
    if (index == 22) {
      result.start_ticks = std::stoull(field);
      return result;
    }
  }
  return std::nullopt;
}

// HTCondor processes to clean up, other than `except`: our children (we are their subreaper),
// and, when condor_master was adopted from an earlier agent, any HTCondor daemon (its daemons are
// not our children; on a worker every HTCondor process is ours).
std::vector<pid_t> Leftovers(pid_t except, bool adopted) {
  std::vector<pid_t> found;
  pid_t self = getpid();
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::stol(name));
    std::optional<ProcStat> stat = ReadProcStat(pid);
    if (!stat || pid == except || pid == self) continue;
    if (stat->parent == self || (adopted && stat->name.starts_with("condor_")))
      found.push_back(pid);
  }
  return found;
}

}  // namespace

Supervisor::Supervisor(std::vector<std::string> argv, std::string pid_file, Logger logger)
    : argv_(std::move(argv)), pid_file_(std::move(pid_file)), logger_(std::move(logger)) {}

Supervisor::~Supervisor() {
  if (pidfd_ >= 0) close(pidfd_);
}

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
  if (std::optional<ProcStat> stat = ReadProcStat(pid_)) {
    std::filesystem::create_directories(std::filesystem::path(pid_file_).parent_path());
    Status written = WriteFileAtomically(
        pid_file_, std::to_string(pid_) + " " + std::to_string(stat->start_ticks) + "\n", 0644);
    if (!written.ok()) logger_("supervisor: " + written.message());
  }
  return Status::Ok();
}

bool Supervisor::Adopt(TimePoint now) {
  std::optional<std::string> text = ReadFile(pid_file_);
  if (!text) return false;
  long long pid = 0;
  unsigned long long ticks = 0;
  std::optional<ProcStat> stat;
  if (std::sscanf(text->c_str(), "%lld %llu", &pid, &ticks) != 2 || pid <= 1 ||
      !(stat = ReadProcStat(static_cast<pid_t>(pid))) || stat->start_ticks != ticks ||
      argv_[0].find(stat->name) == std::string::npos) {
    RemovePath(pid_file_);  // it names a process that is gone (or a new one with its pid)
    return false;
  }
  int fd = PidfdOpen(static_cast<pid_t>(pid));
  if (fd < 0) return false;
  pidfd_ = fd;
  adopted_tree_ = true;
  pid_ = static_cast<pid_t>(pid);
  started_at_ = now;
  restart_at_.reset();
  logger_("supervisor: adopted the running " + argv_[0] + " (pid " + std::to_string(pid_) +
          "): HTCondor and its jobs carry on");
  return true;
}

bool Supervisor::Alive() const {
  if (pidfd_ >= 0) {
    pollfd ready = {pidfd_, POLLIN, 0};
    return poll(&ready, 1, 0) == 0;
  }
  int status = 0;
  pid_t done = waitpid(pid_, &status, WNOHANG);
  return !(done == pid_ || (done < 0 && errno == ECHILD));
}

void Supervisor::Signal(int signal) const {
  if (pidfd_ >= 0) {
    PidfdSignal(pidfd_, signal);
  } else {
    kill(pid_, signal);
  }
}

void Supervisor::Forget() {
  if (pidfd_ >= 0) close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
  RemovePath(pid_file_);
}

void Supervisor::Exited(const std::string& how, TimePoint now) {
  Forget();
  if (now - started_at_ >= kHealthyRun) backoff_ = Seconds(1);
  restart_at_ = now + backoff_;
  logger_("supervisor: " + argv_[0] + " " + how + "; restarting in " + FormatDuration(backoff_));
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  ++restarts_;
}

bool Supervisor::OnExit(pid_t pid, int wait_status, TimePoint now) {
  if (pid != pid_ || pid_ < 0 || pidfd_ >= 0) return false;
  Exited(DescribeExit(wait_status), now);
  return true;
}

bool Supervisor::OnAdoptedExit(TimePoint now) {
  if (pidfd_ < 0 || Alive()) return false;
  Exited("exited (adopted: its status is not ours to read)", now);
  return true;
}

void Supervisor::StopLeftovers(Seconds grace) {
  bool adopted = adopted_tree_;
  adopted_tree_ = pidfd_ >= 0;  // once these are gone, any new daemons are our children
  std::vector<pid_t> leftovers = Leftovers(pid_, adopted);
  if (leftovers.empty()) return;
  logger_("supervisor: stopping " + std::to_string(leftovers.size()) +
          " HTCondor processes left behind by condor_master");
  for (pid_t pid : leftovers) kill(pid, SIGTERM);
  auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    int status = 0;
    while (waitpid(-1, &status, WNOHANG) > 0) {
    }
    if (Leftovers(pid_, adopted).empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (pid_t pid : Leftovers(pid_, adopted)) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(-1, &status, WNOHANG) > 0) {
  }
}

void Supervisor::Stop(Seconds timeout) {
  restart_at_.reset();
  if (pid_ < 0) return;
  Signal(SIGTERM);
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!Alive()) {
      logger_("supervisor: " + argv_[0] + " stopped");
      Forget();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  logger_("supervisor: " + argv_[0] + " did not stop in " + FormatDuration(timeout) +
          "; killing it");
  Signal(SIGKILL);
  if (pidfd_ < 0) {
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  Forget();
}

}  // namespace osg
