#include "launcher.h"

#include <cctype>
#include <ctime>
#include <random>

#include "config.h"
#include "launch_user_data.h"

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;

bool Succeeded(const CloudResult& result) {
  return result.outcome == Outcome::kDone || result.outcome == Outcome::kAlreadyGone;
}

// Runs `call` until it is not "retry" or the attempts are spent, waiting 1, 2, 4 s between.
template <typename Call>
CloudResult WithRetries(const Call& call, const Sleeper& sleep) {
  CloudResult result;
  for (int attempt = 0; attempt < kCloudAttempts; ++attempt) {
    if (attempt > 0) sleep(std::chrono::seconds(1 << (attempt - 1)));
    result = call();
    if (result.outcome != Outcome::kRetry) break;
  }
  return result;
}

}  // namespace

std::vector<std::string> NewLaunchNames(const std::string& prefix, int count) {
  std::random_device device;
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) {
    char suffix[8];
    snprintf(suffix, sizeof suffix, "%06x", device() & 0xffffff);
    names.push_back(prefix + "-" + suffix);
  }
  return names;
}

std::string DefaultNamePrefix(const std::string& group) {
  std::string prefix;
  for (unsigned char c : group) {
    if (std::isalnum(c)) {
      prefix += static_cast<char>(std::tolower(c));
    } else if (!prefix.empty() && prefix.back() != '-') {
      prefix += '-';
    }
    if (prefix.size() >= 24) break;
  }
  while (!prefix.empty() && prefix.back() == '-') prefix.pop_back();
  if (prefix.empty() || !std::isalpha(static_cast<unsigned char>(prefix[0]))) {
    prefix = prefix.empty() ? "osg-worker" : "w-" + prefix.substr(0, 22);
  }
  return prefix;
}

std::string ConfigWithLaunchName(const std::string& config_text, const std::string& name) {
  std::string text = config_text;
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text + "# Written by osg-worker launch: how its controller finds this worker.\nLaunchName = " +
         name + "\n";
}

Status CheckLaunchConfig(const std::string& config_text, const std::string& path,
                         const std::string& cloud, std::string* group,
                         std::vector<std::string>* warnings) {
  LoadedConfig loaded = ParseConfig(config_text, path, std::time(nullptr));
  std::string problems;
  for (const Diagnostic& d : loaded.diagnostics) {
    if (d.severity == Diagnostic::Severity::kError) problems += (problems.empty() ? "" : "\n") + d.ToString();
  }
  if (!problems.empty()) return Status::Error(problems + "\n" + path + ": not valid; nothing was launched");
  const Settings& s = loaded.settings;
  if (!s.launch_name.empty()) {
    return Status::Error(path + ": LaunchName is set by osg-worker launch for each worker; remove it");
  }
  if (!group->empty() && *group != s.worker_group_name) {
    return Status::Error(path + ": WorkerGroupName is \"" + s.worker_group_name + "\", not \"" +
                         *group + "\" as --group says");
  }
  *group = s.worker_group_name;
  if (!s.cloud.empty() && s.cloud != cloud) {
    return Status::Error(path + ": Cloud = " + s.cloud + ", but the workers go to " + cloud);
  }
  if (s.cloud.empty() && cloud != "ec2") {
    warnings->push_back(path + ": no Cloud = " + cloud +
                        ": a worker will only power itself off, and a powered-off " + cloud +
                        " instance still bills until it is deleted (osg-worker scale deletes it)");
  }
  return Status::Ok();
}

CloudResult DeleteWithRetries(CloudFleet& fleet, const std::string& id, const Sleeper& sleep) {
  return WithRetries([&] { return fleet.Delete(id); }, sleep);
}

LaunchResult LaunchWorkers(CloudFleet& fleet, const LaunchSpec& spec,
                           const std::string& config_text, const std::vector<std::string>& names,
                           const Sleeper& sleep) {
  LaunchResult result;
  for (const std::string& name : names) {
    LaunchUserData user_data = MakeLaunchUserData(ConfigWithLaunchName(config_text, name),
                                                  UserDataLimit(fleet.CloudName()));
    CloudResult created{Outcome::kRefused, user_data.status.ok() ? "" : user_data.status.message()};
    std::string id;
    if (user_data.status.ok()) {
      created = WithRetries([&] { return fleet.Create(spec, name, user_data.script, &id); }, sleep);
    }
    if (created.outcome == Outcome::kDone) {
      result.created.push_back({name, id});
      continue;
    }
    result.error = "creating " + name + " failed: " + created.detail;
    break;
  }
  if (result.ok()) return result;
  // Nothing half-made stays behind: the ones already created go too.
  for (const LaunchedInstance& instance : result.created) {
    if (!Succeeded(DeleteWithRetries(fleet, instance.id, sleep))) {
      result.not_deleted.push_back(instance.id);
    }
  }
  size_t made = result.created.size();
  if (made > 0) {
    result.error += "; deleted the " + std::to_string(made - result.not_deleted.size()) + " created";
  }
  if (!result.not_deleted.empty()) {
    result.error += "; COULD NOT DELETE";
    for (const std::string& id : result.not_deleted) result.error += " " + id;
    result.error += ": delete them yourself";
  }
  result.created.clear();
  return result;
}

}  // namespace osg
