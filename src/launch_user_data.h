#pragma once

// The user-data `osg-worker launch` gives each worker it creates (issue 12): a boot script that
// writes the owner's config to /etc/osg-worker.conf.
//
// Not cloud-config's write_files: cloud-init opens the file under its own umask, writes it, and
// only then applies `permissions`, so the token is briefly world-readable. The script sets
// umask 077 before the file exists, decodes the config from base64 (no heredoc delimiter or shell
// quoting can change a byte of it) into a temporary file, and renames it into place, so that
// osg-worker's path unit never sees half a config.

#include <string>

#include "status.h"

namespace osg {

struct LaunchUserData {
  Status status = Status::Ok();
  std::string script;  // the user-data, as the cloud's API takes it before its own encoding
};

// The user-data for `config_text` (the file's bytes, unchanged). `limit` is the cloud's largest
// user-data in bytes as the script counts them (UserDataLimit); over it, status says so.
LaunchUserData MakeLaunchUserData(const std::string& config_text, size_t limit,
                                  const std::string& target = "/etc/osg-worker.conf");

// The largest script each cloud takes: EC2 16 KiB of raw user-data; OpenStack 65535 bytes once
// base64-encoded (so 49149 raw); GCE 256 KiB for one metadata value.
size_t UserDataLimit(const std::string& cloud);

}  // namespace osg
