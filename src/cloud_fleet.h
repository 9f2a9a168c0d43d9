#pragma once

// The owner's side of a cloud (issue 12): `osg-worker launch` and `osg-worker scale` create,
// list and delete the workers of one group from the owner's machine, with the owner's
// credentials. (cloud_instance.h is the other side: a worker removing itself from inside.)
// One implementation per cloud; each call is one attempt, and the callers decide on retries.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cloud_result.h"
#include "scale_policy.h"
#include "status.h"

namespace osg {

// What every worker of one launch is made of. Empty optional fields are left to the cloud.
struct LaunchSpec {
  std::string group;     // WorkerGroupName: the tag / metadata item / label that finds them
  std::string flavor;    // OpenStack flavor name or id; EC2 instance type; GCE machine type
  std::string image;     // OpenStack image name or id; EC2 AMI id; GCE image URL or family URL
  std::string network;   // OpenStack network name or id (required); EC2 subnet id; GCE network
  std::string key_name;  // ssh key pair (OpenStack, EC2); optional
  std::string zone;      // GCE zone (required); OpenStack availability zone; EC2 unused
  std::string instance_profile;  // EC2: the IAM instance profile's name (for self-termination)
  std::vector<std::string> security_groups;  // OpenStack and EC2; optional
};

// One instance of the group, as the cloud lists it.
struct FleetInstance {
  std::string id;    // what Delete takes: OpenStack uuid, EC2 instance id, GCE instance name
  std::string name;  // the name `launch` gave it (LaunchName in its config)
  ScaledWorker::Cloud state = ScaledWorker::Cloud::kBooting;
  std::string cloud_state;  // the cloud's own word ("ACTIVE", "running", "RUNNING")
  int64_t launched_at = 0;  // wall time, seconds, from the cloud (0 when it does not say)
};

class CloudFleet {
 public:
  virtual ~CloudFleet() = default;

  // "openstack", "ec2", "gce".
  virtual std::string CloudName() const = 0;

  // Checks the credentials and that spec's flavor and image exist, and says how many cores
  // the flavor has. kRefused with the cloud's reason when either is unknown, before anything is
  // created.
  virtual CloudResult Prepare(const LaunchSpec& spec, int* cores) = 0;

  // Creates one instance named `name` (unique within the group, and the retry key: EC2's
  // ClientToken, GCE's requestId derived from it, OpenStack's name looked up before a second
  // POST), tagged with spec.group and `name`, booting with `user_data` (the script of
  // launch_user_data.h, before the cloud's own encoding). Sets `id` on kDone.
  virtual CloudResult Create(const LaunchSpec& spec, const std::string& name,
                             const std::string& user_data, std::string* id) = 0;

  // Every instance tagged with `group`, in any state but deleted or terminated.
  virtual CloudResult List(const std::string& group, std::vector<FleetInstance>* out) = 0;

  // Deletes (terminates) one instance. kAlreadyGone when it is gone.
  virtual CloudResult Delete(const std::string& id) = 0;
};

// Where the owner's client sends its requests. Credentials never come from here (nor from any
// argument): each cloud reads them from the environment or its usual files (MakeCloudFleet).
struct FleetOptions {
  std::string cloud;     // openstack, ec2 or gce
  std::string endpoint;  // EC2: the API base (default https://ec2.REGION.amazonaws.com); GCE: the
                         // Compute API base (default https://compute.googleapis.com); OpenStack:
                         // unused (Keystone's catalog names Nova)
  std::string region;    // EC2 region (default AWS_REGION / AWS_DEFAULT_REGION); OpenStack region
  std::string project;   // GCE project (default: the service account key's project_id)
  int timeout_ms = 15000;  // per request
};

using FleetEnv = std::function<const char*(const char*)>;

// The fleet client for options.cloud, with credentials from `env`:
//  openstack: OS_AUTH_URL, OS_APPLICATION_CREDENTIAL_ID/_SECRET (OS_REGION_NAME, OS_INTERFACE),
//             or OS_CLOUD in clouds.yaml, as the worker's own client finds them;
//  ec2:       AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN);
//  gce:       GOOGLE_APPLICATION_CREDENTIALS (a service account's JSON key), or an access token in
//             GOOGLE_OAUTH_ACCESS_TOKEN.
// nullptr with `error` saying what is missing (never a value).
std::unique_ptr<CloudFleet> MakeCloudFleet(const FleetOptions& options, const FleetEnv& env,
                                           std::string* error);
std::unique_ptr<CloudFleet> MakeOpenStackFleet(const FleetOptions& options, const FleetEnv& env,
                                               std::string* error);
std::unique_ptr<CloudFleet> MakeEc2Fleet(const FleetOptions& options, const FleetEnv& env,
                                         std::string* error);
std::unique_ptr<CloudFleet> MakeGceFleet(const FleetOptions& options, const FleetEnv& env,
                                         std::string* error);

// The cloud's state word as the controller counts it: building/pending/PROVISIONING/STAGING are
// booting; ACTIVE/running/RUNNING active; SHUTOFF/stopped/TERMINATED(GCE)/SUSPENDED stopped;
// SHELVED* shelved; ERROR and anything unknown an error (an orphan to delete).
ScaledWorker::Cloud FleetStateOf(const std::string& cloud, const std::string& state);

}  // namespace osg
