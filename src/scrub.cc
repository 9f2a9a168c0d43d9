#include "scrub.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

std::string Ext4SysfsDir(const std::string& dir, const std::string& sys) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return "";
  // SYS/dev/block/MAJOR:MINOR links to the device's directory, named as SYS/fs/ext4 names it.
  std::string link = sys + "/dev/block/" + std::to_string(major(st.st_dev)) + ":" +
                     std::to_string(minor(st.st_dev));
  std::error_code ec;
  std::filesystem::path device = std::filesystem::read_symlink(link, ec);
  if (ec || device.filename().empty()) return "";
  std::string ext4 = sys + "/fs/ext4/" + device.filename().string();
  return std::filesystem::exists(ext4 + "/reserved_clusters", ec) ? ext4 : "";
}

namespace {

bool WriteSysfs(const std::string& path, const std::string& value) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string line = value + "\n";
  bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  return close(fd) == 0 && ok;
}

// Lowers ext4's reserve to zero while it lives, and puts the old value back.
class Ext4ReserveLowered {
 public:
  explicit Ext4ReserveLowered(const std::string& sysfs_dir) {
    if (sysfs_dir.empty()) return;
    path_ = sysfs_dir + "/reserved_clusters";
    std::optional<std::string> old = ReadFile(path_);
    if (!old) return;
    old_ = Trim(*old);
    lowered_ = !old_.empty() && WriteSysfs(path_, "0");
  }
  ~Ext4ReserveLowered() {
    if (lowered_) WriteSysfs(path_, old_);
  }
  Ext4ReserveLowered(const Ext4ReserveLowered&) = delete;
  Ext4ReserveLowered& operator=(const Ext4ReserveLowered&) = delete;
  bool lowered() const { return lowered_; }

 private:
  std::string path_, old_;
  bool lowered_ = false;
};

}  // namespace

ZeroFillResult ZeroFillFreeSpace(const std::string& dir, uint64_t max_bytes,
                                 const std::string& sys) {
  std::string path = dir + (dir.ends_with('/') ? "" : "/") + ".osg-worker-zero-fill";
  Ext4ReserveLowered reserve(Ext4SysfsDir(dir, sys));
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return {Status::Error("cannot create " + path + ": " + ErrnoText()), 0, false};
  ZeroFillResult result;
  result.reserve_included = reserve.lowered();
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
