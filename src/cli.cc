#include "cli.h"

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <string>

#include "commands.h"
#include "config.h"
#include "ledger.h"

namespace osg {
namespace {

// The options that name a cloud and what its workers are made of (launch, scale, cloud-test).
void AddFleetOptions(CLI::App* command, FleetOptions* fleet, LaunchSpec* spec) {
  command->add_option("--cloud", fleet->cloud, "openstack, ec2 or gce")
      ->required()
      ->check(CLI::IsMember({"openstack", "ec2", "gce"}));
  command->add_option("--flavor", spec->flavor,
                      "OpenStack flavor, EC2 instance type or GCE machine type");
  command->add_option("--image", spec->image, "OpenStack image (name or id), AMI id, GCE image URL");
  command->add_option("--network", spec->network,
                      "OpenStack network (name, id, auto); EC2 subnet id; GCE network");
  command->add_option("--key-name", spec->key_name, "ssh key pair (OpenStack, EC2)");
  command->add_option("--zone", spec->zone, "GCE zone (required there); OpenStack availability zone");
  command->add_option("--instance-profile", spec->instance_profile,
                      "EC2 instance profile that may terminate the instance");
  command->add_option("--security-group", spec->security_groups, "Security group (repeatable)");
  command->add_option("--region", fleet->region, "EC2 or OpenStack region");
  command->add_option("--project", fleet->project, "GCE project");
  command->add_option("--endpoint", fleet->endpoint, "The cloud API's base URL (EC2, GCE)");
  command->add_option("--timeout-ms", fleet->timeout_ms, "Per-request timeout")->group("");
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{
      "osg-worker: turns this cloud VM into a worker of an HTCondor pool, from "
      "/etc/osg-worker.conf, and shuts it down when the work runs out."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "osg-worker " OSG_WORKER_VERSION);

  std::string config_path = kDefaultConfigPath;
  bool json = false;
  bool force = false;
  bool keys = false;
  std::string root;
  std::string ledger_path = kLedgerPath;
  double su_rate = 1.0;
  std::function<int()> chosen;

  // The one table of subcommands.
  CLI::App* check = app.add_subcommand("check", "Validate a config file; change nothing");
  check->add_option("--config", config_path, "Config file")->capture_default_str();
  check->add_flag("--keys", keys, "List every key of the config file with its default and meaning");
  check->callback(
      [&] { chosen = [&] { return keys ? CommandListKeys() : CommandCheck(config_path); }; });

  CLI::App* run = app.add_subcommand("run", "Configure and run HTCondor; shut down when idle");
  run->add_option("--config", config_path, "Config file")->capture_default_str();
  run->callback([&] { chosen = [&] { return CommandRun(config_path); }; });

  CLI::App* boot_deadline = app.add_subcommand(
      "boot-deadline", "Power off if no worker runs BootTimeout after the boot (a unit of its own)");
  boot_deadline->add_option("--config", config_path, "Config file")->capture_default_str();
  std::string boot_timeout;
  boot_deadline->add_option("--timeout", boot_timeout, "Override BootTimeout (e.g. 30m)");
  boot_deadline->callback([&] {
    chosen = [&] {
      std::optional<Seconds> timeout;
      if (!boot_timeout.empty() && !(timeout = ParseDuration(boot_timeout))) {
        std::cerr << "osg-worker: --timeout: not a duration: " << boot_timeout << "\n";
        return 2;
      }
      return CommandBootDeadline(config_path, timeout);
    };
  });

  CLI::App* status = app.add_subcommand("status", "Where this worker stands");
  status->add_flag("--json", json, "Print JSON");
  status->callback([&] { chosen = [&] { return CommandStatus(json); }; });

  CLI::App* report =
      app.add_subcommand("report", "What this instance did and cost, from the ledger");
  report->add_flag("--json", json, "Print JSON");
  report->add_option("--ledger", ledger_path, "Ledger file")->capture_default_str();
  report->add_option("--su-rate", su_rate, "SUs charged per core-hour")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  report->callback([&] { chosen = [&] { return CommandReport(json, ledger_path, su_rate); }; });

  std::string group, pool_host;
  CLI::App* pool = app.add_subcommand(
      "pool", "The workers of a WorkerGroupName, from the collector (needs condor_status)");
  pool->add_option("--group", group, "WorkerGroupName, as in the workers' config")->required();
  pool->add_option("--pool", pool_host, "Central manager (default: the local COLLECTOR_HOST)");
  pool->add_flag("--json", json, "Print JSON");
  pool->callback([&] { chosen = [&] { return CommandPool(group, pool_host, json); }; });

  CLI::App* prepare = app.add_subcommand(
      "prepare-image", "Remove config, token, HTCondor state and logs before a snapshot");
  prepare->add_flag("--force", force, "Even if osg-worker or HTCondor is running");
  bool no_zero_fill = false;
  prepare->add_flag("--no-zero-fill", no_zero_fill,
                    "Leave the free space as it is (deleted files' bytes stay in it)");
  prepare->add_option("--root", root, "Operate on this directory instead of /")->group("");
  prepare->callback(
      [&] { chosen = [&] { return CommandPrepareImage(root, force, !no_zero_fill); }; });

  LaunchOptions launch;
  CLI::App* launch_cmd = app.add_subcommand(
      "launch", "Create workers on a cloud from this machine (credentials from the environment)");
  AddFleetOptions(launch_cmd, &launch.fleet, &launch.spec);
  launch_cmd->add_option("--config", launch.config_path, "The workers' osg-worker.conf")->required();
  launch_cmd->add_option("--count", launch.count, "How many")->check(CLI::Range(1, 1000));
  launch_cmd->add_option("--name-prefix", launch.name_prefix,
                         "Instance names are PREFIX-XXXXXX (default: from WorkerGroupName)");
  launch_cmd->add_flag("--dry-run", launch.dry_run,
                       "Check the credentials, flavor, image and network; create nothing");
  launch_cmd->callback([&] { chosen = [&] { return CommandLaunch(launch); }; });

  ScaleOptions scale;
  std::string cooldown = "2m", join_timeout = "15m", poll = "30s";
  double budget = -1;
  CLI::App* scale_cmd = app.add_subcommand(
      "scale", "Launch and delete a group's workers to follow the owner's idle jobs");
  AddFleetOptions(scale_cmd, &scale.fleet, &scale.spec);
  scale_cmd->add_option("--config", scale.config_path, "The workers' osg-worker.conf")->required();
  scale_cmd->add_option("--group", scale.group, "WorkerGroupName (default: the config's)");
  scale_cmd->add_option("--max", scale.limits.max_workers, "Most workers at once")
      ->check(CLI::Range(0, 10000));
  scale_cmd->add_option("--budget", budget, "Stop launching once this many SUs are used");
  scale_cmd->add_option("--su-rate", scale.su_per_core_hour, "SUs per core-hour of the flavor")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  scale_cmd->add_option("--max-booting", scale.limits.max_booting, "Launched, not joined, at once")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  scale_cmd->add_option("--cooldown", cooldown, "Between launches")->capture_default_str();
  scale_cmd->add_option("--join-timeout", join_timeout, "A worker not joined by then is deleted")
      ->capture_default_str();
  scale_cmd->add_option("--poll", poll, "Between rounds")->capture_default_str();
  scale_cmd->add_option("--demand", scale.demand, "condor_q (on the access point) or submitters")
      ->check(CLI::IsMember({"condor_q", "submitters"}))
      ->capture_default_str();
  scale_cmd->add_option("--owner", scale.owner, "Only this user's jobs (condor_q), the submitter");
  scale_cmd->add_option("--pool", scale.pool, "Central manager for condor_q/condor_status");
  scale_cmd->add_option("--record", scale.record_path, "The controller's record");
  scale_cmd->add_option("--name-prefix", scale.name_prefix, "Instance names are PREFIX-XXXXXX");
  scale_cmd->add_flag("--exit-when-done", scale.exit_when_done,
                      "Exit once no idle job and no worker is left");
  scale_cmd->add_flag("--status", scale.status, "Show the workers, their state and the SUs; change nothing");
  scale_cmd->callback([&] {
    chosen = [&] {
      std::optional<Seconds> c = ParseDuration(cooldown), j = ParseDuration(join_timeout),
                             p = ParseDuration(poll);
      if (!c || !j || !p || p->count() < 1) {
        std::cerr << "osg-worker scale: --cooldown, --join-timeout and --poll take durations (2m, 15m, 30s)\n";
        return 2;
      }
      scale.limits.cooldown = c->count();
      scale.limits.join_timeout = j->count();
      scale.poll_seconds = static_cast<int>(p->count());
      if (budget >= 0) scale.limits.budget_sus = budget;
      if (!scale.status && scale.limits.max_workers < 1) {
        std::cerr << "osg-worker scale: --max N is required (at least 1)\n";
        return 2;
      }
      return CommandScale(scale);
    };
  });

  // Hidden (group ""): test hooks for the cloud clients.
  std::string imds_url, ec2_url;
  int timeout_ms = 5000;
  std::string report_path;
  CLI::App* default_image =
      app.add_subcommand("default-image", "Fetch and test the default container image")->group("");
  default_image->add_option("--config", config_path, "Config file")->capture_default_str();
  default_image->add_option("--report", report_path, "Where the report goes")->required();
  default_image->callback(
      [&] { chosen = [&] { return CommandDefaultImage(config_path, report_path); }; });

  CLI::App* cloud_test = app.add_subcommand("cloud-test", "Drive a cloud client")->group("");
  cloud_test->require_subcommand(1);
  CLI::App* ec2_terminate =
      cloud_test->add_subcommand("ec2-terminate", "FetchIdentity, then TerminateSelf");
  ec2_terminate->add_option("--imds", imds_url, "IMDS base URL")->required();
  ec2_terminate->add_option("--ec2", ec2_url, "EC2 API base URL")->required();
  ec2_terminate->add_option("--timeout-ms", timeout_ms, "Per-request timeout");
  ec2_terminate->callback([&] {
    chosen = [&] { return CommandCloudTestEc2Terminate(imds_url, ec2_url, timeout_ms); };
  });

  std::string metadata_url, compute_url;
  CLI::App* gce_delete = cloud_test->add_subcommand("gce-delete", "FetchIdentity, then DeleteSelf");
  gce_delete->add_option("--metadata", metadata_url, "Metadata server base URL")->required();
  gce_delete->add_option("--compute", compute_url, "Compute API base URL")->required();
  gce_delete->add_option("--timeout-ms", timeout_ms, "Per-request timeout");
  gce_delete->callback([&] {
    chosen = [&] { return CommandCloudTestGceDelete(metadata_url, compute_url, timeout_ms); };
  });

  CloudTestOpenStackOptions openstack;
  CLI::App* openstack_test = cloud_test->add_subcommand(
      "openstack", "Credentials from OS_* or clouds.yaml; identity; then delete, shelve or remove");
  openstack_test->add_option("--action", openstack.action, "delete, shelve or remove")
      ->check(CLI::IsMember({"delete", "shelve", "remove"}));
  openstack_test->add_option("--metadata", openstack.metadata, "Metadata service base URL");
  openstack_test->add_option("--config-drive", openstack.config_drive, "Mounted config drive");
  openstack_test->add_option("--attempts", openstack.attempts, "Tries per step for remove");
  openstack_test->callback([&] { chosen = [&] { return CommandCloudTestOpenStack(openstack); }; });

  CloudTestFleetOptions fleet_test;
  CLI::App* fleet = cloud_test->add_subcommand("fleet", "One call of the owner's fleet client");
  fleet->add_option("--op", fleet_test.op, "prepare, create, list or delete")
      ->check(CLI::IsMember({"prepare", "create", "list", "delete"}));
  AddFleetOptions(fleet, &fleet_test.fleet, &fleet_test.spec);
  fleet->add_option("--group", fleet_test.spec.group, "WorkerGroupName");
  fleet->add_option("--name", fleet_test.name, "Instance name (create)");
  fleet->add_option("--user-data", fleet_test.user_data, "User-data text (create)");
  fleet->add_option("--id", fleet_test.id, "Instance id (delete)");
  fleet->callback([&] { chosen = [&] { return CommandCloudTestFleet(fleet_test); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return chosen();
}

}  // namespace osg
