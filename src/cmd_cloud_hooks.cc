// Hidden test hooks that drive the cloud clients against emulators and test servers.

#include <iostream>

#include "commands.h"
#include "ec2.h"

namespace osg {

int CommandCloudTestEc2Terminate(const std::string& imds, const std::string& ec2, int timeout_ms) {
  Ec2Client client(Ec2Endpoints{imds, ec2});
  client.set_timeout(std::chrono::milliseconds(timeout_ms));
  Status identity = client.FetchIdentity();
  if (!identity.ok()) {
    std::cout << "identity: error: " << identity.message() << "\n";
    return 2;
  }
  std::cout << "identity: " << client.instance_id() << " in " << client.region() << "\n";
  CloudResult result = client.TerminateSelf();
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

}  // namespace osg
