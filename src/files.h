#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "status.h"

namespace osg {

// Writes `content` to `path` so that a reader sees the old file or the new one, never a mix,
// and a secret is never readable by others: the temporary file (TempPathFor) is created with
// `mode` before a byte is written, fsynced, then renamed over `path`. Creates missing parent
// directories (0755).
Status WriteFileAtomically(const std::string& path, const std::string& content, mode_t mode);

// The temporary file WriteFileAtomically writes for `path`: ".NAME.tmp.PID" in the same
// directory (rename is atomic only there). The leading '.' is what matters: HTCondor reads every
// file of config.d and tokens.d but those its LOCAL_CONFIG_DIR_EXCLUDE_REGEXP skips (by default
// names that start with '.' or '#', or end in '~', .rpmsave or .rpmnew), so a write cut short by a
// kill is never read as configuration.
std::string TempPathFor(const std::string& path, pid_t pid);

// Removes the temporary files that writes of `path` cut short left beside it: ".NAME.tmp.PID",
// and "NAME.tmp.PID" as versions before named them. Nothing else is touched; a missing
// directory is no error.
Status RemoveLeftoverTempFiles(const std::string& path);

// Creates `path` (and missing parents) and makes it 0700, owned by whoever runs us (root).
Status MakePrivateDirectory(const std::string& path);

// The whole file, or nullopt if it cannot be read.
std::optional<std::string> ReadFile(const std::string& path);

// Removes a file or a directory tree; a path that does not exist is not an error.
Status RemovePath(const std::string& path);

}  // namespace osg
