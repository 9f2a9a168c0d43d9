#include "files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "text.h"

namespace osg {

Status WriteFileAtomically(const std::string& path, const std::string& content, mode_t mode) {
  std::error_code ec;
  std::filesystem::path target(path);
  std::filesystem::create_directories(target.parent_path(), ec);
  if (ec)
    return Status::Error("cannot create " + target.parent_path().string() + ": " + ec.message());
  std::string temp = TempPathFor(path, getpid());
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return Status::Error("cannot create " + temp + ": " + ErrnoText());
  fchmod(fd, mode);  // the umask may have narrowed it; never widened beyond `mode`
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      std::string error = ErrnoText();
      close(fd);
      unlink(temp.c_str());
      return Status::Error("cannot write " + temp + ": " + error);
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    std::string error = ErrnoText();
    unlink(temp.c_str());
    return Status::Error("cannot write " + temp + ": " + error);
  }
  if (rename(temp.c_str(), path.c_str()) != 0) {
    std::string error = ErrnoText();
    unlink(temp.c_str());
    return Status::Error("cannot rename " + temp + " to " + path + ": " + error);
  }
  return Status::Ok();
}

std::string TempPathFor(const std::string& path, pid_t pid) {
  std::filesystem::path target(path);
  return (target.parent_path() / ("." + target.filename().string() + ".tmp." +
                                  std::to_string(pid)))
      .string();
}

namespace {

// "PREFIX" followed by a pid: digits only, at least one.
bool IsPrefixAndPid(const std::string& name, const std::string& prefix) {
  return name.size() > prefix.size() && name.starts_with(prefix) &&
         name.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
}

}  // namespace

Status RemoveLeftoverTempFiles(const std::string& path) {
  std::filesystem::path target(path);
  std::string name = target.filename().string();
  std::error_code ec;
  std::filesystem::directory_iterator entries(target.parent_path(), ec);
  if (ec == std::errc::no_such_file_or_directory) return Status::Ok();
  std::string failures;
  for (; !ec && entries != std::filesystem::directory_iterator(); entries.increment(ec)) {
    std::string entry = entries->path().filename().string();
    if (!IsPrefixAndPid(entry, "." + name + ".tmp.") && !IsPrefixAndPid(entry, name + ".tmp."))
      continue;
    std::error_code removed;
    std::filesystem::remove(entries->path(), removed);
    if (removed) failures += " " + entries->path().string() + " (" + removed.message() + ")";
  }
  if (ec) {
    return Status::Error("cannot list " + target.parent_path().string() + ": " + ec.message());
  }
  if (!failures.empty()) return Status::Error("cannot remove leftover temporary files:" + failures);
  return Status::Ok();
}

Status MakePrivateDirectory(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::Error("cannot create " + path + ": " + ec.message());
  if (chmod(path.c_str(), 0700) != 0)
    return Status::Error("cannot chmod " + path + ": " + ErrnoText());
  return Status::Ok();
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

Status RemovePath(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return Status::Error("cannot remove " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace osg
