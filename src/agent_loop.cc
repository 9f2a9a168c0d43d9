#include "agent_loop.h"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>


#include "text.h"

namespace osg {
namespace {

void NoteSignal(int) {}  // a handler makes a PID-1 agent (in a container) receive the signal

int SetUpSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) {
    sigaddset(&signals, s);
    signal(s, NoteSignal);
  }
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  return signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);  // -1: the caller says why
}

void Log(const std::string& line) { std::cerr << "osg-worker: " << line << std::endl; }

// True if the inotify events in `buffer` touch a file whose change may mean a new startd state.
bool RelevantLogChange(const char* buffer, ssize_t length) {
  for (ssize_t offset = 0; offset < length;) {
    const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
    std::string name = event->len > 0 ? event->name : "";
    if (name == "StartLog" || name == ".startd_address" || name == "MasterLog") return true;
    offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
  }
  return false;
}

// Without the watch the agent still works, by its periodic startd checks alone: slower, so say
// it. -1 then.
int WatchLogDirectory(const std::string& dir) {
  int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd >= 0 &&
      inotify_add_watch(fd, dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) >= 0) {
    return fd;
  }
  Log("cannot watch " + dir + " (inotify): " + ErrnoText() +
      "; the startd is checked every 30 s instead");
  if (fd >= 0) close(fd);
  return -1;
}

void ReadSignals(int signal_fd, AgentEvents& events) {
  signalfd_siginfo info;
  while (read(signal_fd, &info, sizeof info) == sizeof info) {
    if (info.ssi_signo == SIGCHLD) {
      int status = 0;
      pid_t pid;
      while ((pid = waitpid(-1, &status, WNOHANG)) > 0) events.exits.emplace_back(pid, status);
    } else if (info.ssi_signo != SIGHUP) {
      events.stop_signal = strsignal(static_cast<int>(info.ssi_signo));
    }
  }
}

bool ReadLogChanges(int inotify_fd) {
  char buffer[8192];
  ssize_t length;
  bool relevant = false;
  while ((length = read(inotify_fd, buffer, sizeof buffer)) > 0) {
    relevant = relevant || RelevantLogChange(buffer, length);
  }
  return relevant;
}

}  // namespace

int RunAgentLoop(Agent& agent, const std::string& condor_log_dir) {
  int signal_fd = SetUpSignals();
  if (signal_fd < 0) {
    // Without it SIGTERM and the children's exits go unseen: no graceful stop is possible.
    Log("cannot set up signal handling (signalfd): " + ErrnoText());
    return 1;
  }
  // HTCondor's daemons become our children if condor_master dies, so we can clean up after it.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  // The watch before Begin starts HTCondor, so that none of its first log lines is missed.
  if (mkdir(condor_log_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    Log("cannot create " + condor_log_dir + ": " + ErrnoText());
  }
  int inotify_fd = WatchLogDirectory(condor_log_dir);
  if (inotify_fd < 0) agent.WatchUnavailable();
  if (std::optional<int> failed = agent.Begin()) return *failed;
  while (!agent.stopping()) {
    pollfd fds[5] = {{signal_fd, POLLIN, 0},
                     {inotify_fd, POLLIN, 0},  // poll skips a negative fd
                     {agent.master_exit_fd(), POLLIN, 0}};
    agent.FillMetricsPollFds(fds[3], fds[4]);
    poll(fds, 5, static_cast<int>(agent.WaitTime().count()));
    agent.ServeMetrics(fds[3], fds[4]);
    AgentEvents events;
    events.master_exit_fd = (fds[2].revents & POLLIN) != 0;
    if (fds[0].revents & POLLIN) ReadSignals(signal_fd, events);
    if (fds[1].revents & POLLIN) events.log_changed = ReadLogChanges(inotify_fd);
    agent.Step(events);
  }
  return agent.End();
}

}  // namespace osg
