#include <sys/prctl.h>
#include <sys/utsname.h>

#include <csignal>
#include <iostream>

#include "commands.h"
#include "config.h"
#include "container_image.h"
#include "files.h"
#include "image_preparer.h"

namespace osg {

int CommandDefaultImage(const std::string& config_path, const std::string& report_path) {
  // The agent's child: it ends with the agent (a stop, a crash), whose successor starts anew
  // from the cache, rather than fetching on for nobody. The unit's KillMode=process would not
  // stop it.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  LoadedConfig loaded = LoadConfig(config_path, time(nullptr));
  ImageReport report;
  if (!loaded.ok()) {
    report.problem = config_path + " is not valid (osg-worker check says why)";
  } else {
    ImagePreparerSeams seams = RealImagePreparerSeams();
    utsname machine{};
    if (uname(&machine) == 0) seams.arch = machine.machine;
    report = PrepareDefaultImage(loaded.settings, kImageCacheDir, seams);
  }
  if (Status s = WriteFileAtomically(report_path, ImageReportToJson(report), 0644); !s.ok()) {
    std::cerr << "osg-worker: default image: " << s.message() << "\n";
    return 1;
  }
  return report.ready ? 0 : 1;
}

}  // namespace osg
