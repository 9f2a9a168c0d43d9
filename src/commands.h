#pragma once

#include <string>

namespace osg {

// Exit status of a command refused for a bad config (sysexits' EX_CONFIG); the systemd unit
// does not restart on it, since a restart cannot fix the file.
inline constexpr int kExitBadConfig = 78;

int CommandCheck(const std::string& config_path);
int CommandRun(const std::string& config_path);
int CommandStatus(bool json);
int CommandPrepareImage(const std::string& root, bool force);

}  // namespace osg
