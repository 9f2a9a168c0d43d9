#include "cloud_instance.h"

#include <optional>

#include "ec2.h"
#include "gce.h"
#include "http.h"
#include "openstack.h"
#include "openstack_credentials.h"
#include "shared_library.h"
#include "sigv4.h"

namespace osg {
namespace {

// Static keys from the config file, when given; else the instance role's (cmd_run.cc has already
// moved any AWS_* keys of the environment into the settings).
std::optional<AwsCredentials> StaticEc2Credentials(const Settings& settings) {
  if (settings.ec2_access_key_id.empty()) return std::nullopt;
  return AwsCredentials{settings.ec2_access_key_id, settings.ec2_secret_access_key,
                        settings.ec2_session_token};
}

class Ec2Instance : public CloudInstance {
 public:
  explicit Ec2Instance(const Settings& settings)
      : client_({settings.ec2_metadata_url, settings.ec2_endpoint},
                StaticEc2Credentials(settings)) {}
  Status FetchIdentity() override { return client_.FetchIdentity(); }
  std::string Name() const override { return "ec2 " + client_.instance_id(); }
  CloudResult Delete() override { return client_.TerminateSelf(); }

 private:
  Ec2Client client_;
};

class GceInstance : public CloudInstance {
 public:
  explicit GceInstance(const Settings& settings)
      : client_({settings.gce_metadata_url, settings.gce_compute_endpoint}) {}
  Status FetchIdentity() override { return client_.FetchIdentity(); }
  std::string Name() const override { return "gce " + client_.name(); }
  CloudResult Delete() override { return client_.DeleteSelf(); }

 private:
  GceClient client_;
};

class OpenStackInstance : public CloudInstance {
 public:
  OpenStackInstance(OpenStackCredentials credentials, OpenStackPlaces places)
      : client_(std::move(credentials), std::move(places)) {}
  Status FetchIdentity() override { return client_.FetchIdentity(); }
  std::string Name() const override { return "openstack " + client_.server_id(); }
  CloudResult Delete() override { return client_.DeleteSelf(); }
  bool CanShelve() const override { return true; }
  CloudResult Shelve() override { return client_.ShelveSelf(); }

 private:
  OpenStackClient client_;
};

}  // namespace

Status CheckCloudLibraries() {
  for (const char* library : {kCurlLibrary, kCryptoLibrary}) {
    if (Status loads = TryLoadInChild(library); !loads.ok()) return loads;
  }
  return Status::Ok();
}

Status DescribeCloudCredentials(const Settings& settings, std::string* source) {
  source->clear();
  if (settings.cloud == "ec2") {
    *source = settings.ec2_access_key_id.empty()
                  ? "the instance role, from the metadata service at shutdown"
                  : "access key " + settings.ec2_access_key_id;
  } else if (settings.cloud == "gce") {
    *source = "the instance's service account, from the metadata server at shutdown";
  } else if (settings.cloud == "openstack") {
    OpenStackCredentials credentials;
    Status found = ResolveOpenStackCredentials(settings.openstack, RealEnv,
                                               CloudsYamlPaths(RealEnv), &credentials);
    if (!found.ok()) return found;
    *source = "application credential " + credentials.id + " from " + credentials.source;
  }
  return Status::Ok();
}

std::unique_ptr<CloudInstance> MakeCloudInstance(const Settings& settings, std::string* error) {
  if (settings.cloud == "ec2") return std::make_unique<Ec2Instance>(settings);
  if (settings.cloud == "gce") return std::make_unique<GceInstance>(settings);
  if (settings.cloud == "openstack") {
    OpenStackCredentials credentials;
    Status found = ResolveOpenStackCredentials(settings.openstack, RealEnv,
                                               CloudsYamlPaths(RealEnv), &credentials);
    if (!found.ok()) {
      *error = found.message();
      return nullptr;
    }
    OpenStackPlaces places;
    places.metadata = settings.openstack.metadata_url;
    if (!settings.openstack.config_drive.empty()) {
      places.config_drives = {settings.openstack.config_drive};
      places.mount_point.clear();  // it is where the admin said: never mount one ourselves
    }
    return std::make_unique<OpenStackInstance>(std::move(credentials), std::move(places));
  }
  *error = settings.cloud.empty() ? "no Cloud is configured" : "unknown cloud " + settings.cloud;
  return nullptr;
}

}  // namespace osg
