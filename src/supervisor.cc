#include "supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
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

// A decimal number, or nullopt: /proc's text is the kernel's, but a made-up tree in a test or a
// field we misread must not throw out of the supervisor.
template <typename Number>
std::optional<Number> ParseNumber(std::string_view text) {
  Number value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<ProcStat> ReadProcStat(const std::string& proc, pid_t pid) {
  std::ifstream stat(proc + "/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  size_t open = line.find('(');
  size_t close = line.rfind(')');  // the command name may hold spaces and parentheses
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  ProcStat result;
  result.name = line.substr(open + 1, close - open - 1);
  std::istringstream fields(line.substr(std::min(close + 2, line.size())));
  std::string field;
  // Fields from the 3rd (state): 4th is the parent, 22nd the start time.
  for (int index = 3; fields >> field; ++index) {
    if (index == 4) {
      std::optional<pid_t> parent = ParseNumber<pid_t>(field);
      if (!parent) return std::nullopt;
      result.parent = *parent;
    }
    if (index == 22) {
      std::optional<unsigned long long> ticks = ParseNumber<unsigned long long>(field);
      if (!ticks) return std::nullopt;
      result.start_ticks = *ticks;
      return result;
    }
  }
  return std::nullopt;
}

std::optional<ProcStat> ReadProcStat(pid_t pid) { return ReadProcStat("/proc", pid); }

}  // namespace

Status FindLeftovers(const std::string& proc, pid_t self, const std::vector<pid_t>& except,
                     bool adopted, std::vector<pid_t>* found) {
  found->clear();
  std::error_code ec;
  std::filesystem::directory_iterator entries(proc, ec);
  for (; !ec && entries != std::filesystem::directory_iterator(); entries.increment(ec)) {
    std::optional<pid_t> pid = ParseNumber<pid_t>(entries->path().filename().string());
    if (!pid || *pid == self || std::find(except.begin(), except.end(), *pid) != except.end()) {
      continue;
    }
    std::optional<ProcStat> stat = ReadProcStat(proc, *pid);
    if (stat && (stat->parent == self || (adopted && stat->name.starts_with("condor_"))))
      found->push_back(*pid);
  }
  if (ec) return Status::Error("cannot list the processes in " + proc + ": " + ec.message());
  return Status::Ok();
}

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
    // WriteFileAtomically creates the directory too, and says why it could not.
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

bool Supervisor::Leftovers(bool adopted, pid_t keep, std::vector<pid_t>* found) const {
  Status listed = FindLeftovers("/proc", getpid(), {pid_, keep}, adopted, found);
  if (!listed.ok()) logger_("supervisor: " + listed.message() + "; none stopped");
  return listed.ok();
}

void Supervisor::StopLeftovers(Seconds grace, pid_t keep) {
  bool adopted = adopted_tree_;
  adopted_tree_ = pidfd_ >= 0;  // once these are gone, any new daemons are our children
  std::vector<pid_t> leftovers;
  if (!Leftovers(adopted, keep, &leftovers) || leftovers.empty()) return;
  // Reaped by pid, never with waitpid(-1): another child's exit (keep's) is the loop's to see.
  auto reap = [&leftovers] {
    for (pid_t pid : leftovers) {
      int status = 0;
      waitpid(pid, &status, WNOHANG);
    }
  };
  logger_("supervisor: stopping " + std::to_string(leftovers.size()) +
          " HTCondor processes left behind by condor_master");
  for (pid_t pid : leftovers) kill(pid, SIGTERM);
  auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    reap();
    if (!Leftovers(adopted, keep, &leftovers) || leftovers.empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!Leftovers(adopted, keep, &leftovers)) return;
  for (pid_t pid : leftovers) kill(pid, SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  reap();
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
