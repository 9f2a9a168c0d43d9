#include "credential_files.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "files.h"
#include "text.h"

namespace osg {
namespace {

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string Owner(uid_t uid, const CredentialFileSystem& fs) {
  std::string name = fs.user_name ? fs.user_name(uid) : "";
  return "uid " + std::to_string(uid) + (name.empty() ? "" : " (" + name + ")");
}

bool Trusted(uid_t owner, uid_t self) { return owner == 0 || owner == self; }

std::string ForeignOwnerText(const std::string& path, uid_t owner, const CredentialFileSystem& fs) {
  return path + " is owned by " + Owner(owner, fs) +
         ", not root: its credentials are not used (whoever owns it can read the secret or put "
         "in one of their own), so a delete or shelve falls back to a power-off; make it "
         "root's: chown root:root " +
         path + " && chmod 600 " + path;
}

std::string UserName(uid_t uid) {
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::string buffer(size > 0 ? static_cast<size_t>(size) : 16384, '\0');
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
    return "";
  }
  return entry.pw_name;
}

}  // namespace

CredentialFileSystem RealCredentialFileSystem() {
  CredentialFileSystem fs;
  fs.stat = [](const std::string& path) -> std::optional<FileFacts> {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return std::nullopt;
    return FileFacts{info.st_uid, static_cast<mode_t>(info.st_mode & 07777)};
  };
  fs.chmod = [](const std::string& path, mode_t mode) { return ::chmod(path.c_str(), mode) == 0; };
  fs.read = [](const std::string& path) { return ReadFile(path); };
  fs.unsetenv = [](const char* name) { ::unsetenv(name); };
  fs.user_name = UserName;
  fs.self = geteuid();
  return fs;
}

std::string HomeDirectory() {
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::string buffer(size > 0 ? static_cast<size_t>(size) : 16384, '\0');
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
      found == nullptr || entry.pw_dir == nullptr) {
    return "";
  }
  return entry.pw_dir;
}

std::vector<std::string> CredentialFilePaths(const EnvLookup& env, const std::string& home) {
  std::vector<std::string> paths = {kCloudEnvFile};
  for (std::string& path : CloudsYamlPaths(env, home)) paths.push_back(std::move(path));
  return paths;
}

std::vector<CredentialFileProblem> InspectCredentialFiles(const std::vector<std::string>& paths,
                                                          const CredentialFileSystem& fs) {
  std::vector<CredentialFileProblem> problems;
  for (const std::string& path : paths) {
    std::optional<FileFacts> facts = fs.stat(path);
    if (!facts) continue;
    if ((facts->mode & 077) != 0) {
      problems.push_back({path, CredentialFileProblem::Kind::kOpen,
                          path + " is " + Octal(facts->mode) +
                              ": other users can read or change the cloud credential in it; "
                              "run makes it 0600 (chmod 600 " +
                              path + ")"});
    }
    if (!Trusted(facts->owner, fs.self)) {
      problems.push_back({path, CredentialFileProblem::Kind::kForeignOwner,
                          ForeignOwnerText(path, facts->owner, fs)});
    }
  }
  return problems;
}

void SecureCredentialFiles(const std::vector<std::string>& paths, const CredentialFileSystem& fs,
                           const std::function<void(const std::string&)>& log) {
  for (const std::string& path : paths) {
    std::optional<FileFacts> facts = fs.stat(path);
    if (!facts) continue;
    // Even a refused file is narrowed: whoever else could read it no longer can.
    if ((facts->mode & 077) != 0) {
      if (fs.chmod(path, 0600)) {
        log("made " + path + " private (0600, was " + Octal(facts->mode) +
            "): it may hold a cloud credential");
      } else {
        log("warning: cannot make " + path + " private (it is " + Octal(facts->mode) +
            "): " + ErrnoText());
      }
    }
    if (Trusted(facts->owner, fs.self)) continue;
    std::string line = "error: " + ForeignOwnerText(path, facts->owner, fs);
    if (path == kCloudEnvFile) {
      std::optional<std::string> text = fs.read(path);
      std::string names;
      for (const std::string& name : CredentialVariableNames(text ? *text : "")) {
        fs.unsetenv(name.c_str());
        names += (names.empty() ? "" : " ") + name;
      }
      if (!names.empty()) line += "; removed from the agent's environment: " + names;
    }
    log(line);
  }
}

std::vector<std::string> CredentialVariableNames(const std::string& env_file_text) {
  std::vector<std::string> names;
  for (const std::string& raw : SplitLines(env_file_text)) {
    std::string line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    size_t equals = line.find('=');
    if (equals == std::string::npos) continue;
    std::string name = Trim(line.substr(0, equals));
    if (!name.starts_with("OS_") && !name.starts_with("AWS_")) continue;
    bool valid = name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789_") == std::string::npos;
    if (valid && std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  return names;
}

Status ReadCredentialFile(const std::string& path, std::string* text, bool* exists) {
  *exists = false;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();
    *exists = true;
    return Status::Error("cannot read " + path + ": " + ErrnoText());
  }
  *exists = true;
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    Status failed = Status::Error("cannot read " + path + ": " + ErrnoText());
    close(fd);
    return failed;
  }
  if (!Trusted(info.st_uid, geteuid())) {
    close(fd);
    CredentialFileSystem fs;
    fs.user_name = UserName;
    return Status::Error(ForeignOwnerText(path, info.st_uid, fs));
  }
  text->clear();
  char buffer[8192];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) text->append(buffer, static_cast<size_t>(n));
  int read_errno = errno;
  close(fd);
  if (n < 0) {
    errno = read_errno;
    return Status::Error("cannot read " + path + ": " + ErrnoText());
  }
  return Status::Ok();
}

}  // namespace osg
