// `osg-worker launch`: creates N workers of one group on a cloud, from the owner's machine.

#include <iostream>
#include <thread>

#include "cloud_fleet.h"
#include "commands.h"
#include "files.h"
#include "launch_user_data.h"
#include "launcher.h"
#include "openstack_credentials.h"

namespace osg {
namespace {

void RealSleep(std::chrono::seconds duration) { std::this_thread::sleep_for(duration); }

}  // namespace

int CommandLaunch(const LaunchOptions& options) {
  std::optional<std::string> read = ReadFile(options.config_path);
  if (!read) {
    std::cerr << "osg-worker: cannot read " << options.config_path << "\n";
    return 2;
  }
  const std::string& config_text = *read;
  LaunchSpec spec = options.spec;
  std::vector<std::string> warnings;
  Status config = CheckLaunchConfig(config_text, options.config_path, options.fleet.cloud,
                                    &spec.group, &warnings);
  if (!config.ok()) {
    std::cerr << config.message() << "\n";
    return kExitBadConfig;
  }
  for (const std::string& warning : warnings) std::cerr << "warning: " << warning << "\n";
  std::string error;
  std::unique_ptr<CloudFleet> fleet = MakeCloudFleet(options.fleet, RealEnv, &error);
  if (!fleet) {
    std::cerr << "osg-worker: " << options.fleet.cloud << " credentials: " << error << "\n";
    return 2;
  }
  int cores = 0;
  CloudResult prepared = fleet->Prepare(spec, &cores);
  if (prepared.outcome != CloudResult::Outcome::kDone) {
    std::cerr << "launch: nothing created: " << prepared.detail << "\n";
    return 1;
  }
  std::string prefix = options.name_prefix.empty() ? DefaultNamePrefix(spec.group) : options.name_prefix;
  std::vector<std::string> names = NewLaunchNames(prefix, options.count);
  LaunchUserData sample = MakeLaunchUserData(ConfigWithLaunchName(config_text, names[0]),
                                             UserDataLimit(options.fleet.cloud));
  if (!sample.status.ok()) {
    std::cerr << "launch: nothing created: " << sample.status.message() << "\n";
    return 1;
  }
  std::cerr << "launch: " << options.count << " x " << spec.flavor << " (" << cores
            << " cores each) of group \"" << spec.group << "\" on " << options.fleet.cloud
            << ", image " << spec.image << ", user-data " << sample.script.size()
            << " bytes (holds the token: never printed)\n";
  if (options.dry_run) {
    for (const std::string& name : names) std::cout << name << " (dry run: not created)\n";
    return 0;
  }
  LaunchResult result = LaunchWorkers(*fleet, spec, config_text, names, RealSleep);
  if (!result.ok()) {
    std::cerr << "launch: " << result.error << "\n";
    return 1;
  }
  for (const LaunchedInstance& instance : result.created) {
    std::cout << instance.name << " " << instance.id << "\n";
  }
  return 0;
}

}  // namespace osg
