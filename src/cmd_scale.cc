// `osg-worker scale`: the controller that keeps a group's workers matched to the owner's idle
// jobs, within a maximum and a budget (scale_controller.h), in the foreground or as the systemd
// unit osg-worker-scale@NAME; `scale --status` shows where it stands.

#include <unistd.h>

#include <ctime>
#include <iostream>
#include <thread>

#include "cloud_fleet.h"
#include "commands.h"
#include "config.h"
#include "credential_files.h"
#include "files.h"
#include "launcher.h"
#include "openstack_credentials.h"
#include "scale_controller.h"
#include "subprocess.h"

namespace osg {
namespace {

constexpr auto kToolTimeout = std::chrono::seconds(60);

int Fail(const std::string& message) {
  std::cerr << "osg-worker scale: " << message << "\n";
  return 2;
}

int64_t WallNow() { return static_cast<int64_t>(std::time(nullptr)); }

void Log(const std::string& line) { std::cout << line << std::endl; }

// root's records live with the agent's state; anyone else's in their XDG state directory.
std::string DefaultRecordPath(const std::string& prefix) {
  if (geteuid() == 0) return "/var/lib/osg-worker/scale/" + prefix + ".json";
  const char* state = getenv("XDG_STATE_HOME");
  std::string base = state && *state ? state : HomeDirectory() + "/.local/state";
  return base + "/osg-worker/scale/" + prefix + ".json";
}

std::optional<PoolView> QueryPool(const ScaleOptions& options, const std::string& group,
                                  std::string* error) {
  CommandResult result = RunUserCommand(PoolQueryArgv(group, options.pool), kToolTimeout);
  if (!result.ok()) {
    *error = "condor_status exited with " + std::to_string(result.exit_status);
    return std::nullopt;
  }
  PoolView view = ParsePoolView(result.output, group);
  if (!view.error.empty()) {
    *error = view.error;
    return std::nullopt;
  }
  return view;
}

QueueDemand QueryDemand(const ScaleOptions& options, const Settings& settings, int cores) {
  bool submitters = options.demand == "submitters";
  CommandResult result = RunUserCommand(
      submitters ? SubmittersArgv(options.pool) : IdleJobsArgv(options.owner, options.pool),
      kToolTimeout);
  if (!result.ok()) {
    QueueDemand failed;
    failed.error = std::string(submitters ? "condor_status -submitters" : "condor_q") +
                   " exited with " + std::to_string(result.exit_status);
    return failed;
  }
  if (submitters) return DemandFromSubmitters(result.output, options.owner);
  return DemandFromJobs(result.output, settings.start, settings.worker_group_name, cores);
}

}  // namespace

int CommandScale(const ScaleOptions& options) {
  std::optional<std::string> config_text = ReadFile(options.config_path);
  if (!config_text) return Fail("cannot read " + options.config_path);
  std::string group = options.group;
  std::vector<std::string> warnings;
  Status checked =
      CheckLaunchConfig(*config_text, options.config_path, options.fleet.cloud, &group, &warnings);
  if (!checked.ok()) {
    std::cerr << checked.message() << "\n";
    return kExitBadConfig;
  }
  for (const std::string& warning : warnings) std::cerr << "warning: " << warning << "\n";
  Settings settings = ParseConfig(*config_text, options.config_path, WallNow()).settings;
  if (options.demand == "submitters" && options.owner.empty()) {
    return Fail("--demand submitters needs --owner (the submitter's name, as in condor_q)");
  }
  std::string error;
  std::unique_ptr<CloudFleet> fleet = MakeCloudFleet(options.fleet, RealEnv, &error);
  if (!fleet) return Fail(options.fleet.cloud + " credentials: " + error);

  ScaleSetup setup;
  setup.spec = options.spec;
  setup.spec.group = group;
  setup.config_text = *config_text;
  setup.name_prefix = options.name_prefix.empty() ? DefaultNamePrefix(group) : options.name_prefix;
  setup.record_path = options.record_path.empty() ? DefaultRecordPath(setup.name_prefix)
                                                  : options.record_path;
  setup.limits = options.limits;
  setup.su_per_core_hour = options.su_per_core_hour;

  if (options.status) {
    ScaleRecordLoad loaded = LoadScaleRecord(setup.record_path, group);
    if (!loaded.status.ok()) return Fail(loaded.status.message());
    std::vector<FleetInstance> instances;
    CloudResult listed = fleet->List(group, &instances);
    if (listed.outcome != CloudResult::Outcome::kDone) return Fail("listing: " + listed.detail);
    std::optional<PoolView> pool = QueryPool(options, group, &error);
    if (!pool) std::cerr << "warning: the pool could not be read (" << error << ")\n";
    std::cout << "group \"" << group << "\" on " << options.fleet.cloud << ", record "
              << setup.record_path << "\n"
              << FormatScaleStatus(loaded.record, instances, pool.value_or(PoolView{}), WallNow(),
                                   options.limits.budget_sus);
    return 0;
  }

  CloudResult prepared = fleet->Prepare(setup.spec, &setup.limits.cores_per_worker);
  if (prepared.outcome != CloudResult::Outcome::kDone) return Fail(prepared.detail);
  std::string record_dir = setup.record_path.substr(0, setup.record_path.rfind('/'));
  if (Status made = MakePrivateDirectory(record_dir); !record_dir.empty() && !made.ok()) {
    return Fail(made.message());
  }
  ScaleWorld world;
  world.fleet = fleet.get();
  world.demand = [&] { return QueryDemand(options, settings, setup.limits.cores_per_worker); };
  world.pool = [&](std::string* why) { return QueryPool(options, group, why); };
  world.now = WallNow;
  world.sleep = [](std::chrono::seconds s) { std::this_thread::sleep_for(s); };
  world.log = Log;
  ScaleController controller(setup, world);
  if (Status started = controller.Start(); !started.ok()) return Fail(started.message());
  Log("scale: group \"" + group + "\" on " + options.fleet.cloud + ", " + setup.spec.flavor +
      " (" + std::to_string(setup.limits.cores_per_worker) + " cores), at most " +
      std::to_string(setup.limits.max_workers) + " workers, record " + setup.record_path);
  for (;;) {
    ScaleRound round = controller.Round();
    if (options.exit_when_done && round.ok && round.instances == 0 && round.demand_cores == 0) {
      Log("scale: no idle job and no worker left: done");
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::seconds(options.poll_seconds));
  }
}

}  // namespace osg
