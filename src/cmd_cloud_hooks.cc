// Hidden test hooks that drive the cloud clients against emulators and test servers.

#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "ec2.h"
#include "gce.h"

namespace osg {
namespace {

int PrintOutcome(const CloudResult& result) {
  std::cout << "outcome: " << OutcomeName(result.outcome) << "\n"
            << "detail: " << result.detail << "\n";
  switch (result.outcome) {
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

}  // namespace

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

}  // namespace osg
