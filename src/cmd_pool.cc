#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "pool_view.h"
#include "subprocess.h"

namespace osg {
namespace {

// condor_status in the user's PATH (the laptop's HTCondor may live in /opt or a tarball).
bool FoundInPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) dir = ".";
    if (access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

int Fail(const std::string& message) {
  std::cerr << "osg-worker pool: " << message << "\n";
  return 1;
}

}  // namespace

int CommandPool(const std::string& group, const std::string& pool, bool json) {
  if (group.empty()) return Fail("--group must not be empty");
  for (unsigned char c : group) {
    if (c < 0x20 || c == 0x7f) {
      return Fail("--group holds a control character; no WorkerGroupName does");
    }
  }
  if (!pool.empty() && pool[0] == '-') return Fail("--pool needs a host name, not " + pool);
  if (!FoundInPath("condor_status")) {
    return Fail(
        "condor_status not found in PATH: install HTCondor's tools (Debian: apt install "
        "htcondor) or add their directory to PATH");
  }
  std::string collector = pool.empty() ? "the local configuration's COLLECTOR_HOST" : pool;
  // stderr is left to the terminal: condor_status says there why it failed.
  CommandResult result = RunUserCommand(PoolQueryArgv(group, pool), std::chrono::seconds(60));
  if (result.exit_status == -1) {
    return Fail("condor_status did not answer within 60 s; check that " + collector +
                " is reachable (TCP 9618)");
  }
  if (!result.ok()) {
    return Fail("condor_status could not query " + collector + " (exit " +
                std::to_string(result.exit_status) +
                "): check the host name (--pool), that TCP 9618 to it is open, and that its "
                "collector runs" +
                (pool.empty() ? "; or give --pool HOST" : ""));
  }
  PoolView view = ParsePoolView(result.output, group);
  if (!view.error.empty()) return Fail(view.error);
  int64_t now = std::time(nullptr);
  if (json) {
    nlohmann::json out = PoolViewToJson(view, now);
    out["group"] = group;
    out["pool"] = pool.empty() ? nlohmann::json(nullptr) : nlohmann::json(pool);
    out["constraint"] = GroupConstraint(group);
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << FormatPoolView(view, now);
    if (view.workers.empty()) {
      std::cerr << "osg-worker pool: no worker advertises " << GroupConstraint(group) << "\n";
    }
  }
  return 0;
}

}  // namespace osg
