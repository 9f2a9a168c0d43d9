#include "shutdown_action.h"

#include <unistd.h>

#include <optional>
#include <thread>

#include "ec2.h"
#include "gce.h"
#include "subprocess.h"

namespace osg {
namespace {

constexpr int kDeleteAttempts = 5;  // waits of 1, 2, 4, 8 s between them: ~15 s, then fall back

ShutdownStep PowerOff() {
  CommandResult result = access("/run/systemd/system", F_OK) == 0
                             ? RunCommand({"systemctl", "poweroff"})
                             : RunCommand({"poweroff"});
  return {"poweroff", result.ok(),
          result.ok() ? "" : "exit status " + std::to_string(result.exit_status)};
}

ShutdownStep RunOwnCommand(const std::string& path) {
  CommandResult result = RunCommand({path}, std::chrono::minutes(5));
  return {"command:" + path, result.ok(),
          result.ok() ? "" : "exit status " + std::to_string(result.exit_status)};
}

// Calls `attempt` until the instance is gone or going (true), the cloud refuses (false: retrying
// cannot help), or kDeleteAttempts calls with backoff have failed (false). `what` names the
// instance in each report.
bool DeleteWithRetries(const std::string& what, const std::function<CloudResult()>& attempt,
                       const std::function<void(const ShutdownStep&)>& report) {
  Seconds wait{1};
  for (int i = 1; i <= kDeleteAttempts; ++i) {
    CloudResult result = attempt();
    bool gone = result.outcome == CloudResult::Outcome::kDone ||
                result.outcome == CloudResult::Outcome::kAlreadyGone;
    report({"delete", gone,
            what + ": " + OutcomeName(result.outcome) +
                (result.detail.empty() ? "" : " (" + result.detail + ")")});
    if (gone) return true;
    if (result.outcome == CloudResult::Outcome::kRefused) return false;
    if (i < kDeleteAttempts) std::this_thread::sleep_for(wait);
    wait *= 2;
  }
  return false;
}

// Deletes this instance through EC2; true when it is gone or going.
bool DeleteOnEc2(const Settings& settings, const std::function<void(const ShutdownStep&)>& report) {
  std::optional<AwsCredentials> static_credentials;
  if (!settings.ec2_access_key_id.empty()) {
    static_credentials = AwsCredentials{settings.ec2_access_key_id, settings.ec2_secret_access_key,
                                        settings.ec2_session_token};
  }
  Ec2Client client({settings.ec2_metadata_url, settings.ec2_endpoint}, static_credentials);
  Status identity = client.FetchIdentity();
  if (!identity.ok()) {
    report({"delete", false, "cannot read this instance's identity: " + identity.message()});
    return false;
  }
  return DeleteWithRetries(
      "ec2 " + client.instance_id(), [&] { return client.TerminateSelf(); }, report);
}

// Deletes this instance through the Compute Engine API; true when it is gone or going.
bool DeleteOnGce(const Settings& settings, const std::function<void(const ShutdownStep&)>& report) {
  GceClient client({settings.gce_metadata_url, settings.gce_compute_endpoint});
  Status identity = client.FetchIdentity();
  if (!identity.ok()) {
    report({"delete", false, "cannot read this instance's identity: " + identity.message()});
    return false;
  }
  return DeleteWithRetries(
      "gce " + client.name(), [&] { return client.DeleteSelf(); }, report);
}

}  // namespace

bool PerformShutdownAction(const Settings& settings,
                           const std::function<void(const ShutdownStep&)>& report) {
  ShutdownAction::Kind kind = settings.shutdown_action.kind;
  if (kind == ShutdownAction::Kind::kAuto) {
    kind = settings.cloud.empty() ? ShutdownAction::Kind::kPowerOff : ShutdownAction::Kind::kDelete;
  }
  ShutdownStep step;
  switch (kind) {
    case ShutdownAction::Kind::kDelete:
      if (settings.cloud == "gce" ? DeleteOnGce(settings, report) : DeleteOnEc2(settings, report)) {
        return true;
      }
      step = PowerOff();  // a stopped instance still costs, but less than a running one
      break;
    case ShutdownAction::Kind::kCommand:
      step = RunOwnCommand(settings.shutdown_action.command);
      break;
    case ShutdownAction::Kind::kNone:
      step = {"none", true, "HTCondor stopped; the machine stays up"};
      break;
    case ShutdownAction::Kind::kAuto:
    case ShutdownAction::Kind::kPowerOff:
      step = PowerOff();
      break;
  }
  report(step);
  return step.ok;
}

}  // namespace osg
