#pragma once

#include <optional>
#include <string>

#include "cloud_fleet.h"
#include "duration.h"

namespace osg {

// Exit status of a command refused for a bad config (sysexits' EX_CONFIG); the systemd unit
// does not restart on it, since a restart cannot fix the file.
inline constexpr int kExitBadConfig = 78;

int CommandCheck(const std::string& config_path);
// `check --keys`: every key of the config file with its default and meaning; reads no file.
int CommandListKeys();
int CommandRun(const std::string& config_path);
// Powers the machine off if, BootTimeout after the boot, no worker runs (boot_deadline.h).
// `timeout` overrides the config's BootTimeout.
int CommandBootDeadline(const std::string& config_path, std::optional<Seconds> timeout);
int CommandStatus(bool json);
// Exit 0, or 3 when there is no ledger (or no record in it).
int CommandReport(bool json, const std::string& ledger_path, double su_per_core_hour);
// `zero_fill`: overwrite the free space of / too (a live machine's, not under `root`).
int CommandPrepareImage(const std::string& root, bool force, bool zero_fill);
// Hidden: the agent's child that makes the config's default container image ready
// (image_preparer.h) and writes its ImageReport, as JSON, to `report_path`. Exit 0 when ready.
int CommandDefaultImage(const std::string& config_path, const std::string& report_path);
// The workers of one WorkerGroupName, from the collector (condor_status). Exit 1 when
// condor_status is missing or cannot query the collector.
int CommandPool(const std::string& group, const std::string& pool, bool json);

// Hidden: `cloud-test ec2-terminate` runs Ec2Client's FetchIdentity and TerminateSelf against the
// given base URLs and prints the outcome (for tests against moto and test servers).
// Static credentials, if any, come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
// (/ AWS_SESSION_TOKEN), never from an argument.
int CommandCloudTestEc2Terminate(const std::string& imds, const std::string& ec2, int timeout_ms);
// Hidden: `cloud-test gce-delete` runs GceClient's FetchIdentity and DeleteSelf likewise.
int CommandCloudTestGceDelete(const std::string& metadata, const std::string& compute,
                              int timeout_ms);

// Hidden: `cloud-test openstack` finds the credential as the agent does (OS_* variables or
// clouds.yaml: never an argument), reads the server's id, then runs one delete, one shelve, or
// the shutdown sequence's cloud part ("remove": delete, shelve if refused, with retries).
struct CloudTestOpenStackOptions {
  std::string action = "delete";  // delete, shelve or remove
  std::string metadata = "http://169.254.169.254";
  std::string config_drive;
  int attempts = 5;
};
int CommandCloudTestOpenStack(const CloudTestOpenStackOptions& options);

// `launch`: creates `count` workers of the config's group (launcher.h).
struct LaunchOptions {
  FleetOptions fleet;
  LaunchSpec spec;
  std::string config_path;
  std::string name_prefix;  // "": from the group's name
  int count = 1;
  bool dry_run = false;
};
int CommandLaunch(const LaunchOptions& options);

// `scale`: the controller (scale_controller.h), or with `status` its workers and budget.
struct ScaleOptions {
  FleetOptions fleet;
  LaunchSpec spec;
  std::string config_path;
  std::string group;        // "": the config's WorkerGroupName
  std::string name_prefix;  // "": from the group's name
  std::string record_path;  // "": /var/lib/osg-worker/scale/PREFIX.json for root
  ScaleLimits limits;
  double su_per_core_hour = 1.0;
  std::string demand = "condor_q";  // or submitters
  std::string owner;                // condor_q's user ("" = every user); the submitter's name
  std::string pool;                 // condor tools' -pool ("" = the local configuration's)
  int poll_seconds = 30;
  bool exit_when_done = false;
  bool status = false;
};
int CommandScale(const ScaleOptions& options);

// Hidden: `cloud-test fleet` runs one call of the owner's fleet client (prepare, create, list or
// delete), with credentials from the environment as `launch` finds them.
struct CloudTestFleetOptions {
  FleetOptions fleet;
  LaunchSpec spec;
  std::string op = "list";  // prepare, create, list, delete
  std::string name;         // create
  std::string user_data;    // create: the user-data text itself (tests only: no secret in it)
  std::string id;           // delete
};
int CommandCloudTestFleet(const CloudTestFleetOptions& options);

}  // namespace osg
