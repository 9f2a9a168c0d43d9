#include <unistd.h>

#include <ctime>
#include <iostream>

#include "agent.h"
#include "commands.h"
#include "config.h"

namespace osg {

int CommandRun(const std::string& config_path) {
  LoadedConfig loaded = LoadConfig(config_path, std::time(nullptr));
  for (const Diagnostic& d : loaded.diagnostics) std::cerr << d.ToString() << "\n";
  if (!loaded.ok()) {
    std::cerr << "osg-worker: " << config_path << " is not valid; nothing was started\n";
    return kExitBadConfig;
  }
  if (geteuid() != 0) {
    std::cerr << "osg-worker: run needs root (it configures and starts HTCondor)\n";
    return 1;
  }
  CondorPaths paths;
  RealCondorTools tools(loaded.settings.central_manager, paths.Log());
  return Agent(loaded.settings, config_path, paths, tools).Run();
}

}  // namespace osg
