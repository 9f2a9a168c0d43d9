#pragma once

// Creating workers through a CloudFleet, for `osg-worker launch` and `osg-worker scale`: each
// worker's user-data (the owner's config with its LaunchName), retries that never make a second
// instance, and a launch that fails part-way deleting what it made.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "cloud_fleet.h"
#include "status.h"

namespace osg {

// Tries per call: a create or a delete that the cloud answers with "retry" (5xx, throttling, no
// answer) is tried again with the same name, which the cloud treats as the same request.
inline constexpr int kCloudAttempts = 4;

using Sleeper = std::function<void(std::chrono::seconds)>;

// The names of `count` new workers: "<prefix>-<6 random hex>", unique within the group.
std::vector<std::string> NewLaunchNames(const std::string& prefix, int count);

// A prefix for instance names from a free-text WorkerGroupName: lower-case letters, digits and
// single '-', at most 24 characters ("My Test Workers" -> "my-test-workers"); "osg-worker" when
// nothing is left.
std::string DefaultNamePrefix(const std::string& group);

// The owner's config as one worker gets it: the text unchanged, plus its LaunchName.
std::string ConfigWithLaunchName(const std::string& config_text, const std::string& name);

// Checks the owner's config for launching: valid (errors name the file, line and key), its
// WorkerGroupName is `group` (set *group when empty), no LaunchName of its own, and Cloud, when
// set, is `cloud`. Warnings (a worker that cannot delete itself) go to `warnings`.
Status CheckLaunchConfig(const std::string& config_text, const std::string& path,
                         const std::string& cloud, std::string* group,
                         std::vector<std::string>* warnings);

struct LaunchedInstance {
  std::string name;
  std::string id;
};

struct LaunchResult {
  std::vector<LaunchedInstance> created;  // all of them when ok; after a failure, none is left
  std::string error;                      // one line: the cloud's reason; "" when ok
  std::vector<std::string> not_deleted;   // ids the cleanup could not delete (said in error too)
  bool ok() const { return error.empty(); }
};

// Creates one worker per name, in order. When one cannot be created, deletes those it created
// and says why in one line.
LaunchResult LaunchWorkers(CloudFleet& fleet, const LaunchSpec& spec,
                           const std::string& config_text, const std::vector<std::string>& names,
                           const Sleeper& sleep);

// Deletes one instance, trying again while the cloud says "retry".
CloudResult DeleteWithRetries(CloudFleet& fleet, const std::string& id, const Sleeper& sleep);

}  // namespace osg
