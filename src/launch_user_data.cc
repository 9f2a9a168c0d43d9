#include "launch_user_data.h"

#include "base64.h"

namespace osg {

size_t UserDataLimit(const std::string& cloud) {
  if (cloud == "ec2") return 16 * 1024;
  if (cloud == "openstack") return 65535 / 4 * 3;
  return 256 * 1024;  // gce
}

LaunchUserData MakeLaunchUserData(const std::string& config_text, size_t limit,
                                  const std::string& target) {
  std::string encoded = EncodeBase64(config_text);
  std::string lines;
  for (size_t i = 0; i < encoded.size(); i += 76) lines += encoded.substr(i, 76) + "\n";
  LaunchUserData result;
  result.script =
      "#!/bin/sh\n"
      "# Written by osg-worker launch: the config, root-only from its first byte.\n"
      "set -e\n"
      "umask 077\n"
      "base64 -d >'" + target + ".launch' <<'OSG_WORKER_CONF'\n" + lines +
      "OSG_WORKER_CONF\n"
      "mv '" + target + ".launch' '" + target + "'\n";
  if (result.script.size() > limit) {
    result.status = Status::Error("the user-data would be " + std::to_string(result.script.size()) +
                                  " bytes, and this cloud takes at most " + std::to_string(limit) +
                                  ": the config is too large");
  }
  return result;
}

}  // namespace osg
