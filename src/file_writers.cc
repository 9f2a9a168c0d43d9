#include "file_writers.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

namespace osg {
namespace {

std::optional<std::string> ReadLink(const std::string& link) {
  char target[4096];
  ssize_t size = readlink(link.c_str(), target, sizeof(target));
  if (size < 0 || static_cast<size_t>(size) == sizeof(target)) return std::nullopt;
  return std::string(target, static_cast<size_t>(size));
}

// The open flags of a descriptor, from the "flags:" line of its fdinfo (octal).
std::optional<int> OpenFlags(const std::string& fdinfo) {
  std::ifstream file(fdinfo);
  std::string line;
  while (std::getline(file, line)) {
    if (!line.starts_with("flags:")) continue;
    size_t start = line.find_first_not_of(" \t", 6);
    if (start == std::string::npos) return std::nullopt;
    int flags = 0;
    auto [end, error] = std::from_chars(line.data() + start, line.data() + line.size(), flags, 8);
    if (error != std::errc()) return std::nullopt;
    return flags;
  }
  return std::nullopt;
}

// True if process directory `process` has a descriptor open for writing on `target`. The links
// are read, never followed: following one could block on a hung network file system.
bool HoldsForWriting(const std::filesystem::path& process, const std::string& target) {
  std::error_code ec;
  std::filesystem::directory_iterator fds(process / "fd", ec);
  for (; !ec && fds != std::filesystem::directory_iterator(); fds.increment(ec)) {
    if (ReadLink(fds->path().string()) != target) continue;
    std::optional<int> flags = OpenFlags((process / "fdinfo" / fds->path().filename()).string());
    if (flags && (*flags & O_ACCMODE) != O_RDONLY) return true;
  }
  return false;
}

}  // namespace

std::vector<pid_t> ProcessesWriting(const std::string& path, const std::string& proc) {
  std::vector<pid_t> writers;
  // The links name the file by its canonical path (symbolic links resolved).
  char* resolved = realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return writers;
  std::string target = resolved;
  free(resolved);
  std::error_code ec;
  std::filesystem::directory_iterator processes(proc, ec);
  for (; !ec && processes != std::filesystem::directory_iterator(); processes.increment(ec)) {
    std::string name = processes->path().filename().string();
    pid_t pid = 0;
    auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (error != std::errc() || end != name.data() + name.size()) continue;
    if (HoldsForWriting(processes->path(), target)) writers.push_back(pid);
  }
  return writers;
}

bool WaitUntilNoWriter(const std::string& path, std::chrono::milliseconds limit,
                       std::chrono::milliseconds poll) {
  auto give_up = std::chrono::steady_clock::now() + limit;
  while (!ProcessesWriting(path).empty()) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace osg
