#include "scrub.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "files.h"
#include "text.h"

namespace osg {
namespace {

constexpr size_t kChunk = 1 << 20;

// Writes `bytes` zeros (all that fit when `bytes` is UINT64_MAX) at the file offset of `fd`.
// Returns the count written; stops early at ENOSPC, which `*full` reports.
Status WriteZeros(int fd, uint64_t bytes, uint64_t* written, bool* full) {
  static const std::vector<char> zeros(kChunk, 0);
  *written = 0;
  *full = false;
  while (*written < bytes) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, bytes - *written));
    ssize_t n = write(fd, zeros.data(), want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == ENOSPC || errno == EDQUOT)) {
      *full = true;
      return Status::Ok();
    }
    if (n < 0) return Status::Error(ErrnoText());
    *written += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status ScrubFile(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Status::Error("cannot overwrite " + path + ": " + ErrnoText());
  struct stat st {};
  uint64_t written = 0;
  bool full = false;
  Status status = fstat(fd, &st) == 0 ? WriteZeros(fd, static_cast<uint64_t>(st.st_size),
                                                   &written, &full)
                                      : Status::Error(ErrnoText());
  if (status.ok() && fdatasync(fd) != 0) status = Status::Error(ErrnoText());
  close(fd);
  if (!status.ok()) return Status::Error("cannot overwrite " + path + ": " + status.message());
  return Status::Ok();
}

}  // namespace

Status ScrubAndRemove(const std::string& path) {
  std::error_code ec;
  std::filesystem::file_status top = std::filesystem::symlink_status(path, ec);
  if (ec || !std::filesystem::exists(top)) return Status::Ok();
  std::vector<std::string> files;
  if (std::filesystem::is_regular_file(top)) files.push_back(path);
  if (std::filesystem::is_directory(top)) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path, ec)) {
      if (entry.is_regular_file() && !entry.is_symlink()) files.push_back(entry.path().string());
    }
  }
  for (const std::string& file : files) {
    Status status = ScrubFile(file);
    if (!status.ok()) return status;
  }
  return RemovePath(path);
}

std::optional<std::string> ZeroFillUnsupported(const std::string& dir) {
  struct statfs fs {};
  if (statfs(dir.c_str(), &fs) != 0) return "cannot read its filesystem: " + ErrnoText();
  switch (static_cast<unsigned long>(fs.f_type)) {
    case EXT4_SUPER_MAGIC:  // ext2, ext3 and ext4 share it
    case XFS_SUPER_MAGIC:
      return std::nullopt;
    case OVERLAYFS_SUPER_MAGIC:
      return "it is an overlay, not a disk of its own";
    case TMPFS_MAGIC:
      return "it is a tmpfs, in memory";
    case BTRFS_SUPER_MAGIC:
      return "btrfs is copy-on-write: free blocks are not overwritten in place";
    default: {
      char type[32];
      snprintf(type, sizeof type, "0x%lx", static_cast<unsigned long>(fs.f_type));
      return std::string("its filesystem (type ") + type + ") is neither ext4 nor XFS";
    }
  }
}

ZeroFillResult ZeroFillFreeSpace(const std::string& dir, uint64_t max_bytes) {
  std::string path = dir + (dir.ends_with('/') ? "" : "/") + ".osg-worker-zero-fill";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return {Status::Error("cannot create " + path + ": " + ErrnoText()), 0};
  ZeroFillResult result;
  bool full = false;
  result.status = WriteZeros(fd, max_bytes, &result.bytes, &full);
  // The zeros must reach the disk before the blocks are freed again.
  if (result.status.ok() && fsync(fd) != 0) result.status = Status::Error(ErrnoText());
  close(fd);
  bool removed = unlink(path.c_str()) == 0;
  std::string unlink_error = removed ? "" : "cannot remove " + path + ": " + ErrnoText();
  if (!result.status.ok()) {
    result.status = Status::Error("writing " + path + ": " + result.status.message() +
                                  (removed ? "" : "; " + unlink_error));
  } else if (!removed) {
    result.status = Status::Error(unlink_error);
  }
  return result;
}

}  // namespace osg
