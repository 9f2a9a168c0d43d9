#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "status.h"

namespace osg {

// What a snapshot of the disk must not carry is overwritten, not only unlinked: an unlinked
// file's blocks keep its bytes until the filesystem reuses them, and a raw copy of the disk (the
// image the cloud makes) would still hold the token.

// Overwrites every regular file at or under `path` with zeros in place (symbolic links are not
// followed), syncs them, then removes `path`. A path that does not exist is not an error.
Status ScrubAndRemove(const std::string& path);

// Why the free space of the filesystem holding `dir` is not worth zero-filling (nullopt: it is):
// only ext4 and XFS write a file's data over the blocks a deleted file freed. An overlay or a
// tmpfs is not a disk of its own, and a copy-on-write filesystem never rewrites a block in place.
std::optional<std::string> ZeroFillUnsupported(const std::string& dir);

// ext4 keeps clusters in reserve (2% of the filesystem, at most 4096 clusters: 16 MiB at 4 KiB)
// that no write takes, root's included. A fill that leaves them leaves the small holes between
// used blocks, which is where deleted small files, a token among them, were. The fill lowers the
// reserve to zero for its duration through the filesystem's sysfs directory, returned here
// (SYS/fs/ext4/DEVICE), or "" where `dir` is not on an ext4 filesystem of a block device.
std::string Ext4SysfsDir(const std::string& dir, const std::string& sys = "/sys");

// Writes zeros into a new file in `dir` until the filesystem is full (or `max_bytes` are written,
// for tests), syncs it and removes it: every block a deleted file left is overwritten. Returns the
// bytes written, and whether ext4's reserve was lowered (and restored) for the fill.
struct ZeroFillResult {
  Status status = Status::Ok();
  uint64_t bytes = 0;
  bool reserve_included = false;
};
ZeroFillResult ZeroFillFreeSpace(const std::string& dir, uint64_t max_bytes = UINT64_MAX,
                                 const std::string& sys = "/sys");

}  // namespace osg
