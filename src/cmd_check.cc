#include <ctime>
#include <iostream>

#include "cloud_instance.h"
#include "commands.h"
#include "config.h"
#include "config_keys.h"
#include "credential_files.h"

namespace osg {

int CommandCheck(const std::string& config_path) {
  LoadedConfig loaded = LoadConfig(config_path, std::time(nullptr));
  for (const Diagnostic& d : loaded.diagnostics) std::cerr << d.ToString() << "\n";
  if (!loaded.ok()) {
    std::cerr << config_path << ": not valid; nothing was changed\n";
    return kExitBadConfig;
  }
  std::cout << config_path << ": valid. Effective settings:\n" << DescribeSettings(loaded.settings);
  for (const CredentialFileProblem& problem : InspectCredentialFiles(
           CredentialFilePaths(RealEnv, HomeDirectory()), RealCredentialFileSystem())) {
    std::cerr << "warning: " << problem.message << "\n";
  }
  std::string source;
  Status found = DescribeCloudCredentials(loaded.settings, &source);
  // Only a warning: `check` may run elsewhere than the agent, with another environment.
  if (!found.ok()) std::cerr << config_path << ": warning: " << found.message() << "\n";
  if (!source.empty()) std::cout << "Cloud credentials    = " << source << "\n";
  if (!loaded.settings.cloud.empty()) {
    Status loads = CheckCloudLibraries();
    if (!loads.ok()) std::cerr << config_path << ": warning: " << loads.message() << "\n";
  }
  return 0;
}

int CommandListKeys() {
  std::cout << DescribeConfigKeys();
  return 0;
}

}  // namespace osg
