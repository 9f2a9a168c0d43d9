#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <thread>

#include "agent.h"
#include "agent_loop.h"
#include "cloud_instance.h"
#include "commands.h"
#include "config.h"
#include "credential_files.h"
#include "ec2.h"

namespace osg {
namespace {

// The file holds the pool's token: keep it root-only whatever mode the user-data gave it.
void MakePrivate(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) == 0 && (info.st_mode & 077) != 0 &&
      chmod(path.c_str(), 0600) == 0) {
    std::cerr << "osg-worker: made " << path << " private (0600): it holds the pool's token\n";
  }
}

// Static EC2 credentials may come from the environment (config first, then environment, then the
// instance role). They are taken out of it either way, so that HTCondor, its jobs and a shutdown
// command never inherit them.
Status TakeEc2Credentials(Settings& settings) {
  Status status = Status::Ok();
  if (settings.cloud == "ec2") {
    AwsCredentials from_config{settings.ec2_access_key_id, settings.ec2_secret_access_key, ""};
    std::optional<AwsCredentials> chosen;
    std::string source;
    status = ChooseEc2Credentials(from_config, std::getenv, &chosen, &source);
    if (status.ok() && chosen) {
      settings.ec2_access_key_id = chosen->access_key_id;
      settings.ec2_secret_access_key = chosen->secret_access_key;
      settings.ec2_session_token = chosen->session_token;
    }
  }
  for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
    unsetenv(name);
  }
  return status;
}

// A cloud credential that cannot be found is no reason to refuse work: the shutdown falls back
// to a power-off. But say so now, not hours later.
void ReportCloudCredentials(const Settings& settings) {
  ShutdownAction::Kind kind = settings.shutdown_action.kind;
  if (settings.cloud.empty() ||
      (kind != ShutdownAction::Kind::kDelete && kind != ShutdownAction::Kind::kShelve &&
       kind != ShutdownAction::Kind::kAuto)) {
    return;
  }
  std::string source;
  Status found = DescribeCloudCredentials(settings, &source);
  if (found.ok()) {
    std::cerr << "osg-worker: " << settings.cloud << " credentials: " << source << "\n";
  } else {
    std::cerr << "osg-worker: warning: " << found.message() << "; the shutdown action "
              << settings.shutdown_action.ToString() << " will power off instead\n";
  }
  if (Status loads = CheckCloudLibraries(); !loads.ok()) {
    std::cerr << "osg-worker: warning: " << loads.message() << "; the shutdown action "
              << settings.shutdown_action.ToString() << " will power off instead\n";
  }
}

}  // namespace

int CommandRun(const std::string& config_path) {
  if (geteuid() != 0) {
    std::cerr << "osg-worker: run needs root (it configures and starts HTCondor)\n";
    return 1;
  }
  LoadedConfig loaded = LoadConfigWhenWritten(config_path);
  for (const Diagnostic& d : loaded.diagnostics) std::cerr << d.ToString() << "\n";
  if (!loaded.ok()) {
    std::cerr << "osg-worker: " << config_path << " is not valid; nothing was started\n";
    return kExitBadConfig;
  }
  MakePrivate(config_path);
  // Before any credential is read (TakeEc2Credentials, ReportCloudCredentials).
  SecureCredentialFiles(CredentialFilePaths(RealEnv, HomeDirectory()), RealCredentialFileSystem(),
                        [](const std::string& line) { std::cerr << "osg-worker: " << line << "\n"; });
  if (Status s = TakeEc2Credentials(loaded.settings); !s.ok()) {
    std::cerr << "osg-worker: " << s.message() << "; nothing was started\n";
    return kExitBadConfig;
  }
  ReportCloudCredentials(loaded.settings);
  CondorPaths paths;
  RealCondorTools tools(paths.Log());
  auto log = [](const std::string& line) { std::cerr << "osg-worker: " << line << std::endl; };
  Supervisor master({"condor_master", "-f"}, std::string(kStateDir) + "/condor_master.pid", log);
  Agent agent(loaded.settings, config_path, paths,
              {.env = Env::Real(),
               .tools = tools,
               .master = master,
               .shutdown_action = PerformShutdownAction,
               .power_off = RealPowerOffSeams(),
               .log = log,
               .start_image_preparer = [config_path] {
                 return SpawnProcess({"/proc/self/exe", "default-image", "--config", config_path,
                                      "--report", std::string(kStateDir) + "/default-image.json"});
               }});
  return RunAgentLoop(agent, paths.Log());
}

}  // namespace osg
