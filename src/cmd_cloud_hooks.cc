// Hidden test hooks that drive the cloud clients against emulators and test servers.

#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include "cloud_fleet.h"
#include "cloud_instance.h"
#include "commands.h"
#include "ec2.h"
#include "gce.h"
#include "openstack.h"
#include "openstack_credentials.h"
#include "shutdown_action.h"

namespace osg {
namespace {

int ExitFor(CloudResult::Outcome outcome) {
  switch (outcome) {
    case CloudResult::Outcome::kDone:
    case CloudResult::Outcome::kAlreadyGone:
      return 0;
    case CloudResult::Outcome::kRefused:
      return 1;
    case CloudResult::Outcome::kRetry:
      return 75;  // EX_TEMPFAIL
  }
  return 75;
}

int PrintOutcome(const CloudResult& result) {
  std::cout << "outcome: " << OutcomeName(result.outcome) << "\n"
            << "detail: " << result.detail << "\n";
  return ExitFor(result.outcome);
}

}  // namespace

int CommandCloudTestOpenStack(const CloudTestOpenStackOptions& options) {
  Settings settings;
  settings.cloud = "openstack";
  settings.openstack.metadata_url = options.metadata;
  settings.openstack.config_drive = options.config_drive;
  std::string error;
  std::unique_ptr<CloudInstance> cloud = MakeCloudInstance(settings, &error);
  if (!cloud) {
    std::cout << "credentials: error: " << error << "\n";
    return 2;
  }
  Status identity = cloud->FetchIdentity();
  if (!identity.ok()) {
    std::cout << "identity: error: " << identity.message() << "\n";
    return 2;
  }
  std::cout << "identity: " << cloud->Name() << "\n";
  if (options.action == "remove") {
    // The shutdown sequence's cloud part, as the agent runs it (identity is read again there).
    bool gone = RemoveThroughCloud(
        *cloud, ShutdownAction::Kind::kDelete,
        [](const ShutdownStep& step) {
          std::cout << "step: " << step.action << " " << (step.ok ? "ok" : "failed") << " ("
                    << step.detail << ")\n";
        },
        [](Seconds wait) { std::this_thread::sleep_for(wait); }, options.attempts);
    std::cout << "outcome: " << (gone ? "removed" : "not removed") << "\n";
    return gone ? 0 : 1;
  }
  return PrintOutcome(options.action == "shelve" ? cloud->Shelve() : cloud->Delete());
}

int CommandCloudTestEc2Terminate(const std::string& imds, const std::string& ec2, int timeout_ms) {
  // Static credentials come from the environment, as `run` takes them: never from an argument.
  std::optional<AwsCredentials> credentials;
  std::string source;
  Status chosen = ChooseEc2Credentials({}, std::getenv, &credentials, &source);
  if (!chosen.ok()) {
    std::cout << "credentials: error: " << chosen.message() << "\n";
    return 2;
  }
  std::cout << "credentials: "
            << (credentials ? "access key " + credentials->access_key_id + " from " + source
                            : std::string("the instance role"))
            << "\n";
  Ec2Client client(Ec2Endpoints{imds, ec2}, credentials);
  client.set_timeout(std::chrono::milliseconds(timeout_ms));
  Status identity = client.FetchIdentity();
  if (!identity.ok()) {
    std::cout << "identity: error: " << identity.message() << "\n";
    return 2;
  }
  std::cout << "identity: " << client.instance_id() << " in " << client.region() << "\n";
  return PrintOutcome(client.TerminateSelf());
}

int CommandCloudTestGceDelete(const std::string& metadata, const std::string& compute,
                              int timeout_ms) {
  GceClient client(GceEndpoints{metadata, compute});
  client.set_timeout(std::chrono::milliseconds(timeout_ms));
  Status identity = client.FetchIdentity();
  if (!identity.ok()) {
    std::cout << "identity: error: " << identity.message() << "\n";
    return 2;
  }
  std::cout << "identity: " << client.name() << " in " << client.project() << "/" << client.zone()
            << "\n";
  return PrintOutcome(client.DeleteSelf());
}

// One call of the owner's fleet client (cloud_fleet.h), tested apart from `launch` and `scale`.
int CommandCloudTestFleet(const CloudTestFleetOptions& options) {
  std::string error;
  std::unique_ptr<CloudFleet> fleet = MakeCloudFleet(options.fleet, RealEnv, &error);
  if (!fleet) {
    std::cout << "credentials: error: " << error << "\n";
    return 2;
  }
  CloudResult result;
  if (options.op == "prepare") {
    int cores = 0;
    result = fleet->Prepare(options.spec, &cores);
    if (result.outcome == CloudResult::Outcome::kDone) std::cout << "cores: " << cores << "\n";
  } else if (options.op == "create") {
    std::string id;
    int cores = 0;
    result = fleet->Prepare(options.spec, &cores);  // as launch does: names resolved first
    if (result.outcome == CloudResult::Outcome::kDone) {
      result = fleet->Create(options.spec, options.name, options.user_data, &id);
    }
    if (result.outcome == CloudResult::Outcome::kDone) std::cout << "id: " << id << "\n";
  } else if (options.op == "list") {
    std::vector<FleetInstance> instances;
    result = fleet->List(options.spec.group, &instances);
    for (const FleetInstance& i : instances) {
      std::cout << "instance: " << i.id << " " << i.name << " " << i.cloud_state << " "
                << i.launched_at << "\n";
    }
  } else {
    result = fleet->Delete(options.id);
  }
  return PrintOutcome(result);
}

}  // namespace osg
