#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "openstack_credentials.h"
#include "status.h"

namespace osg {

// The unit's EnvironmentFile: OS_* or AWS_* credentials for the agent (README, OpenStack).
inline constexpr const char* kCloudEnvFile = "/etc/osg-worker/cloud.env";

// Files that may hold a cloud credential are treated as the config file is: `check` warns when
// others may read or write one, `run` makes it 0600, and one owned by another user than root
// (or the user running `check`) is not used: whoever owns it could read the secret, or plant a
// credential of their own, whatever its mode. Refusing it keeps the worker working; its shutdown
// then falls back to a power-off, as when no credential is found (README, Security).

// What the checks need of a file and may do to it: the real file system in production, a map in
// unit tests.
struct FileFacts {
  uid_t owner = 0;
  mode_t mode = 0;  // permission bits
};
struct CredentialFileSystem {
  std::function<std::optional<FileFacts>(const std::string& path)> stat;  // nullopt: absent
  std::function<bool(const std::string& path, mode_t mode)> chmod;        // false: failed
  std::function<std::optional<std::string>(const std::string& path)> read;
  std::function<void(const char* name)> unsetenv;
  std::function<std::string(uid_t uid)> user_name;  // "" when the uid has no passwd entry
  uid_t self = 0;                                    // who runs us: trusted besides root
};
CredentialFileSystem RealCredentialFileSystem();

// The home directory of the running uid, from its passwd entry: under systemd (no User=) HOME
// is unset, and a HOME pointing elsewhere must not move where root's credentials are looked for.
// "" when the uid has no entry.
std::string HomeDirectory();

// Every file that may hold a credential: cloud.env, then each clouds.yaml OpenStack's clients
// look for (CloudsYamlPaths).
std::vector<std::string> CredentialFilePaths(const EnvLookup& env, const std::string& home);

// One problem of one file. The message names the file, its mode and owner, never its content.
struct CredentialFileProblem {
  enum class Kind { kOpen, kForeignOwner };
  std::string path;
  Kind kind;
  std::string message;
};

// For `check`: what is wrong with the files that exist; changes nothing.
std::vector<CredentialFileProblem> InspectCredentialFiles(const std::vector<std::string>& paths,
                                                          const CredentialFileSystem& fs);

// For `run`, before any credential is read: makes every file that others may read or write
// 0600, and forgets a refused cloud.env (systemd has already put its variables in our
// environment: the OS_* and AWS_* ones it sets are removed from it). A refused clouds.yaml is
// skipped where it is read (ReadCredentialFile). One line per change or refusal goes to `log`.
void SecureCredentialFiles(const std::vector<std::string>& paths, const CredentialFileSystem& fs,
                           const std::function<void(const std::string&)>& log);

// The names of the OS_* and AWS_* variables an EnvironmentFile sets (never their values).
std::vector<std::string> CredentialVariableNames(const std::string& env_file_text);

// Reads a credential file for use. The owner is checked on the opened file itself, so the file
// checked is the file read. Sets *exists false (and returns Ok) when there is no such file; an
// error names the file and its owner when it is refused.
Status ReadCredentialFile(const std::string& path, std::string* text, bool* exists);

}  // namespace osg
