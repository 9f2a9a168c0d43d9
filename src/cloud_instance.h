#pragma once

#include <memory>
#include <string>

#include "cloud_result.h"
#include "config.h"
#include "status.h"

namespace osg {

// One cloud's way of removing this instance, the seam between the shutdown sequence and each
// cloud's client. Each call is one attempt; the sequence retries and falls back.
class CloudInstance {
 public:
  virtual ~CloudInstance() = default;

  // Finds which instance this is (metadata service, credentials). Called once, first.
  virtual Status FetchIdentity() = 0;
  // "ec2 i-0123...": the cloud and the instance, for reports.
  virtual std::string Name() const = 0;
  virtual CloudResult Delete() = 0;
  // Whether Shelve() exists on this cloud (OpenStack: stopped and off the hypervisor, unbilled).
  virtual bool CanShelve() const { return false; }
  virtual CloudResult Shelve() { return {CloudResult::Outcome::kRefused, "not supported"}; }
};

// The client for settings.cloud, or nullptr with `error` set (no cloud, or its credentials
// cannot be found). Adding a cloud: one adapter in cloud_instance.cc and one case here.
std::unique_ptr<CloudInstance> MakeCloudInstance(const Settings& settings, std::string* error);

// Where the cloud credentials will come from ("the OS_* environment variables"), checked when
// the agent starts so that a missing credential shows hours before the shutdown needs it. An
// error when they cannot be found; "" when there is no cloud or nothing to check ahead.
Status DescribeCloudCredentials(const Settings& settings, std::string* source);

// Whether the libraries a cloud call opens (libcurl, and libcrypto for EC2's signatures) load,
// tried in a child process (TryLoadInChild) so that the agent maps neither until the call.
Status CheckCloudLibraries();

}  // namespace osg
