#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "status.h"

namespace osg {

// Writes `content` to `path` so that a reader sees the old file or the new one, never a mix,
// and a secret is never readable by others: the temporary file is created with `mode` before a
// byte is written, fsynced, then renamed over `path`. Creates missing parent directories (0755).
Status WriteFileAtomically(const std::string& path, const std::string& content, mode_t mode);

// Creates `path` (and missing parents) and makes it 0700, owned by whoever runs us (root).
Status MakePrivateDirectory(const std::string& path);

// The whole file, or nullopt if it cannot be read.
std::optional<std::string> ReadFile(const std::string& path);

// Removes a file or a directory tree; a path that does not exist is not an error.
Status RemovePath(const std::string& path);

}  // namespace osg
