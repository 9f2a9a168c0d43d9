#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <vector>

#include "commands.h"
#include "condor_config.h"
#include "config.h"
#include "files.h"
#include "scrub.h"
#include "subprocess.h"
#include "status_file.h"
#include "text.h"

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
    // HTCondor's signing key, made by condor_master at its first start if there is none: this
    // machine's own secret.
    "/etc/condor/passwords.d/*",
    "/etc/condor/config.d/50-osg-worker.conf",
    "/etc/condor/config.d/60-osg-worker-state.conf",
    "/etc/condor/config.d/60-osg-worker-image.conf",
    "/etc/condor/config.d/90-osg-worker-stopping.conf",
    "/var/log/condor/*",
    "/var/lib/condor/spool/*",
    "/var/lib/condor/execute/*",
    "/var/lib/osg-worker/*",
    kStateDir,
    // The machine's own identity, which every instance of the image must make anew at its first
    // boot: SSH host keys (cloud-init or sshd-keygen makes new ones), systemd's random seed and
    // credential secret, D-Bus's copy of the machine id.
    "/etc/ssh/ssh_host_*",
    "/var/lib/systemd/random-seed",
    "/var/lib/systemd/credential.secret",
    "/var/lib/dbus/machine-id",
    // cloud-init's copies of the user-data (user-data.txt, its scripts, obj.pkl), which hold the
    // token when the boot script wrote it: scrubbed here, before `cloud-init clean` removes the
    // rest of cloud-init's state.
    "/var/lib/cloud/instances/*",
    "/var/lib/cloud/instance",
};

// Emptied, not removed: an empty /etc/machine-id makes systemd generate a new id at the next boot
// without the first-boot presets (which would enable condor.service again).
constexpr const char* kMachineIdPath = "/etc/machine-id";

bool AgentOrCondorRunning() {
  std::optional<std::string> text = ReadFile(kStateFile);
  std::optional<WorkerState> state = text ? WorkerStateFromJson(*text) : std::nullopt;
  return (state && ProcessAlive(state->agent_pid)) ||
         RunCommand({"pgrep", "-x", "condor_master"}).ok();
}

// `path` ending in "*" clears the entries of its directory whose names start with what comes
// before the "*" (all of them for "DIR/*"), keeping the directory.
Status Clear(const std::string& root, const std::string& path) {
  if (!path.empty() && path.back() == '*') {
    std::string::size_type slash = path.rfind('/');
    std::string dir = root + path.substr(0, slash);
    std::string prefix = path.substr(slash + 1, path.size() - slash - 2);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (!entry.path().filename().string().starts_with(prefix)) continue;
      Status status = ScrubAndRemove(entry.path().string());
      if (!status.ok()) return status;
    }
    return Status::Ok();
  }
  return ScrubAndRemove(root + path);
}

// O_NOFOLLOW: under --root, a link to an absolute /etc/machine-id would be the host's own file.
Status EmptyMachineId(const std::string& root) {
  std::string path = root + kMachineIdPath;
  if (access(path.c_str(), F_OK) != 0) return Status::Ok();  // none yet: nothing to forget
  int fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Status::Error("cannot empty " + path + ": " + ErrnoText());
  close(fd);
  return Status::Ok();
}

// Deleted files leave their bytes in the blocks they freed, old copies of a rewritten token
// included: overwrite all free space, then give it back to a thin disk (fstrim, where the disk
// supports discard). Returns false if the zero-fill failed.
bool ZeroFreeSpace() {
  if (std::optional<std::string> why = ZeroFillUnsupported("/")) {
    std::cout << "osg-worker prepare-image: free space not zero-filled: " << *why << "\n";
    return true;
  }
  std::cout << "osg-worker prepare-image: zero-filling the free space of / (deleted files' "
               "blocks), which takes a while on a large disk\n"
            << std::flush;
  ZeroFillResult fill = ZeroFillFreeSpace("/");
  if (!fill.status.ok()) {
    std::cerr << "osg-worker prepare-image: zero-filling the free space: " << fill.status.message()
              << "\n";
    return false;
  }
  std::cout << "osg-worker prepare-image: zero-filled " << fill.bytes / (1024 * 1024)
            << " MiB of free space"
            << (fill.reserve_included ? ", ext4's reserved clusters included" : "") << "\n";
  RunCommand({"fstrim", "/"}, std::chrono::minutes(10));  // best effort: not every disk discards
  return true;
}

}  // namespace

int CommandPrepareImage(const std::string& root, bool force, bool zero_fill) {
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
  if (Status status = EmptyMachineId(root); !status.ok()) {
    std::cerr << "osg-worker prepare-image: " << status.message() << "\n";
    ++failures;
  }
  if (root.empty()) {
    // So that the next boot of the snapshot runs the cloud's user-data again.
    RunCommand({"sh", "-c", "command -v cloud-init >/dev/null && cloud-init clean --logs || true"});
    // Under --root the free space is the building host's, not the image's.
    if (zero_fill && !ZeroFreeSpace()) ++failures;
  }
  if (failures > 0) return 1;
  std::cout << "osg-worker prepare-image: removed the config, tokens, HTCondor state and logs "
               "and the machine's identity; the machine is ready to be snapshotted\n";
  return 0;
}

}  // namespace osg
