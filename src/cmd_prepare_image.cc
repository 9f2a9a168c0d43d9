#include <filesystem>
#include <iostream>
#include <vector>

#include "commands.h"
#include "condor_config.h"
#include "config.h"
#include "files.h"
#include "subprocess.h"
#include "status_file.h"

namespace osg {
namespace {

// Everything a snapshot must not carry: the secret, what was rendered from it, HTCondor's state
// and logs, and ours. Directories listed with a trailing "/*" keep the directory, lose the content.
const std::vector<std::string> kPathsToClear = {
    kDefaultConfigPath,
    "/etc/osg-worker/cloud.env",  // the unit's EnvironmentFile: OS_* or AWS_* credentials
    "/etc/openstack/clouds.yaml",
    "/root/.config/openstack/clouds.yaml",
    "/etc/condor/tokens.d/*",
    "/etc/condor/config.d/50-osg-worker.conf",
    "/etc/condor/config.d/60-osg-worker-state.conf",
    "/etc/condor/config.d/60-osg-worker-image.conf",
    "/etc/condor/config.d/90-osg-worker-stopping.conf",
    "/var/log/condor/*",
    "/var/lib/condor/spool/*",
    "/var/lib/condor/execute/*",
    "/var/lib/osg-worker/*",
    kStateDir,
};

bool AgentOrCondorRunning() {
  std::optional<std::string> text = ReadFile(kStateFile);
  std::optional<WorkerState> state = text ? WorkerStateFromJson(*text) : std::nullopt;
  return (state && ProcessAlive(state->agent_pid)) ||
         RunCommand({"pgrep", "-x", "condor_master"}).ok();
}

Status Clear(const std::string& root, const std::string& path) {
  if (path.size() > 2 && path.substr(path.size() - 2) == "/*") {
    std::string dir = root + path.substr(0, path.size() - 2);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      Status status = RemovePath(entry.path().string());
      if (!status.ok()) return status;
    }
    return Status::Ok();
  }
  return RemovePath(root + path);
}

}  // namespace

int CommandPrepareImage(const std::string& root, bool force) {
  if (root.empty() && !force && AgentOrCondorRunning()) {
    std::cerr << "osg-worker prepare-image: osg-worker or HTCondor is running; stop them first "
                 "(systemctl stop osg-worker) or pass --force\n";
    return 1;
  }
  int failures = 0;
  for (const std::string& path : kPathsToClear) {
    Status status = Clear(root, path);
    if (!status.ok()) {
      std::cerr << "osg-worker prepare-image: " << status.message() << "\n";
      ++failures;
    }
  }
  if (root.empty()) {
    // So that the next boot of the snapshot runs the cloud's user-data again.
    RunCommand({"sh", "-c", "command -v cloud-init >/dev/null && cloud-init clean --logs || true"});
  }
  if (failures > 0) return 1;
  std::cout << "osg-worker prepare-image: removed the config, tokens, HTCondor state and logs; "
               "the machine is ready to be snapshotted\n";
  return 0;
}

}  // namespace osg
