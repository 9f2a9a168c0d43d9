#include "openstack.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "openstack_credentials.h"
#include "test_temp_dir.h"

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;
using ::testing::HasSubstr;
using ::testing::Not;

// A catalog as in Keystone's API reference: services with typed, per-interface endpoints.
const nlohmann::json kCatalog = nlohmann::json::parse(R"([
  {"type": "identity", "name": "keystone", "id": "1", "endpoints": [
    {"interface": "public", "region": "IU", "region_id": "IU", "url": "https://k.example/v3/"}]},
  {"type": "compute", "name": "nova", "id": "2", "endpoints": [
    {"interface": "internal", "region_id": "IU", "url": "http://nova-internal.iu:8774/v2.1"},
    {"interface": "public", "region_id": "TACC", "url": "https://nova.tacc:8774/v2.1/"},
    {"interface": "public", "region_id": "IU", "region": "IU", "url": "https://nova.iu:8774/v2.1/"}
  ]}])");

TEST(ChooseEndpoint, PicksTheInterfaceAndRegion) {
  std::string url;
  ASSERT_TRUE(ChooseEndpoint(kCatalog, "compute", "public", "IU", &url).ok());
  EXPECT_EQ(url, "https://nova.iu:8774/v2.1");
  ASSERT_TRUE(ChooseEndpoint(kCatalog, "compute", "public", "TACC", &url).ok());
  EXPECT_EQ(url, "https://nova.tacc:8774/v2.1");
  ASSERT_TRUE(ChooseEndpoint(kCatalog, "compute", "internal", "", &url).ok());
  EXPECT_EQ(url, "http://nova-internal.iu:8774/v2.1");
  // No region configured: the catalog's first public compute endpoint.
  ASSERT_TRUE(ChooseEndpoint(kCatalog, "compute", "public", "", &url).ok());
  EXPECT_EQ(url, "https://nova.tacc:8774/v2.1");
}

TEST(ChooseEndpoint, SaysWhatIsMissing) {
  std::string url;
  EXPECT_EQ(ChooseEndpoint(kCatalog, "compute", "admin", "", &url).message(),
            "the service catalog has no admin compute endpoint");
  EXPECT_EQ(ChooseEndpoint(kCatalog, "compute", "public", "RegionOne", &url).message(),
            "the service catalog has no public compute endpoint in region RegionOne");
  EXPECT_THAT(ChooseEndpoint(kCatalog, "volumev3", "public", "", &url).message(),
              HasSubstr("has no volumev3 service"));
  EXPECT_EQ(ChooseEndpoint(nlohmann::json(), "compute", "public", "", &url).message(),
            "the token has no service catalog");
}

// Found by fuzz/openstack_token: a member of another type (an interface given as a number)
// made nlohmann's value() throw, which no caller catches.
TEST(ChooseEndpoint, MembersOfAnotherTypeAreSkipped) {
  const nlohmann::json odd = nlohmann::json::parse(R"([
    {"type": 7, "endpoints": {}},
    {"type": "compute", "endpoints": [
      {"interface": 1, "region_id": null, "url": ["x"]},
      {"interface": "public", "region_id": 5, "region": "IU", "url": "https://n.iu/"},
      {"interface": "public", "url": null}]}])");
  std::string url;
  ASSERT_TRUE(ChooseEndpoint(odd, "compute", "public", "IU", &url).ok());
  EXPECT_EQ(url, "https://n.iu");
  EXPECT_FALSE(ChooseEndpoint(odd, "compute", "internal", "", &url).ok());
}

TEST(ComputeEndpointFromToken, ReadsTheTokensCatalog) {
  nlohmann::json answer = {
      {"token", {{"methods", {"application_credential"}}, {"catalog", kCatalog}}}};
  std::string url;
  ASSERT_TRUE(ComputeEndpointFromToken(answer.dump(), "public", "IU", &url).ok());
  EXPECT_EQ(url, "https://nova.iu:8774/v2.1");
  url.clear();
  EXPECT_EQ(ComputeEndpointFromToken(R"({"token": {}})", "public", "", &url).message(),
            "the token has no service catalog");
  EXPECT_EQ(ComputeEndpointFromToken(R"({"token": "x"})", "public", "", &url).message(),
            "the answer has no token");
  EXPECT_EQ(ComputeEndpointFromToken(R"({"token": {"catalog": [)", "public", "", &url).message(),
            "the token answer is not a JSON object");
  EXPECT_EQ(url, "");
}

TEST(Keystone, TokenUrlAndBody) {
  EXPECT_EQ(KeystoneTokenUrl("https://js2.example:5000/v3/"),
            "https://js2.example:5000/v3/auth/tokens");
  EXPECT_EQ(KeystoneTokenUrl("https://js2.example:5000"),
            "https://js2.example:5000/v3/auth/tokens");
  nlohmann::json body = nlohmann::json::parse(ApplicationCredentialBody("id1", "s\"1"));
  EXPECT_EQ(body["auth"]["identity"]["methods"], nlohmann::json::array({"application_credential"}));
  EXPECT_EQ(body["auth"]["identity"]["application_credential"]["id"], "id1");
  EXPECT_EQ(body["auth"]["identity"]["application_credential"]["secret"], "s\"1");
}

HttpResponse Answer(long status, const std::string& body = "") {
  HttpResponse r;
  r.status = status;
  r.body = body;
  return r;
}

TEST(ClassifyKeystoneResponse, ByStatus) {
  HttpResponse issued = Answer(201, "{}");
  issued.headers = {{"X-Subject-Token", "gAAAA"}};
  EXPECT_EQ(ClassifyKeystoneResponse(issued).outcome, Outcome::kDone);
  EXPECT_EQ(ClassifyKeystoneResponse(Answer(201, "{}")).outcome, Outcome::kRetry)
      << "no token header";
  CloudResult refused = ClassifyKeystoneResponse(
      Answer(401, R"({"error": {"code": 401, "message": "The request you have made requires )"
                  R"(authentication.", "title": "Unauthorized"}})"));
  EXPECT_EQ(refused.outcome, Outcome::kRefused);
  EXPECT_EQ(refused.detail,
            "Keystone answered HTTP 401 (error: The request you have made requires "
            "authentication.): the application credential was not accepted");
  EXPECT_EQ(ClassifyKeystoneResponse(Answer(403)).outcome, Outcome::kRefused);
  EXPECT_EQ(ClassifyKeystoneResponse(Answer(404)).outcome, Outcome::kRefused);
  EXPECT_EQ(ClassifyKeystoneResponse(Answer(503)).outcome, Outcome::kRetry);
  EXPECT_EQ(ClassifyKeystoneResponse(Answer(429)).outcome, Outcome::kRetry);
  HttpResponse timeout;
  timeout.error = "Operation timed out after 1000 milliseconds";
  timeout.timed_out = true;
  CloudResult late = ClassifyKeystoneResponse(timeout);
  EXPECT_EQ(late.outcome, Outcome::kRetry);
  EXPECT_THAT(late.detail, HasSubstr("Keystone did not answer in time"));
}

struct NovaCase {
  bool shelve;
  long status;
  std::string body;
  Outcome outcome;
};

// Found by fuzz/openstack_error: the fault's kind (the body's one key) was quoted whole.
TEST(ClassifyNovaResponse, FaultKindIsCut) {
  nlohmann::json body = {{std::string(5000, 'k'), {{"message", std::string(5000, 'm')}}}};
  CloudResult r = ClassifyNovaResponse(false, Answer(409, body.dump()));
  EXPECT_EQ(r.outcome, Outcome::kRefused);
  EXPECT_LT(r.detail.size(), 400u) << r.detail;
  EXPECT_THAT(r.detail, HasSubstr("(" + std::string(64, 'k') + ": mmm"));
}

TEST(ClassifyNovaResponse, ByActionAndStatus) {
  const std::string locked =
      R"({"conflictingRequest": {"code": 409, "message": "Instance 6a2b is locked"}})";
  const std::string shelved =
      R"({"conflictingRequest": {"code": 409, "message": "Cannot 'shelve' instance 6a2b while )"
      R"(it is in vm_state shelved_offloaded"}})";
  const std::string task =
      R"({"conflictingRequest": {"code": 409, "message": "Cannot 'delete' instance 6a2b while )"
      R"(it is in task_state deleting"}})";
  for (const NovaCase& c : std::vector<NovaCase>{
           {false, 204, "", Outcome::kDone},
           {false, 404, R"({"itemNotFound": {"code": 404, "message": "not found"}})",
            Outcome::kAlreadyGone},
           {false, 401, "", Outcome::kRefused},
           {false, 403, R"({"forbidden": {"code": 403, "message": "Policy doesn't allow"}})",
            Outcome::kRefused},
           {false, 409, locked, Outcome::kRefused},
           {false, 409, task, Outcome::kRefused},
           {false, 400, "", Outcome::kRefused},
           {false, 500, "", Outcome::kRetry},
           {false, 503, "", Outcome::kRetry},
           {false, 429, "", Outcome::kRetry},
           {true, 202, "", Outcome::kDone},
           {true, 409, shelved, Outcome::kAlreadyGone},
           {true, 409, locked, Outcome::kRefused},
           {true, 403, "", Outcome::kRefused},
           {true, 404, "", Outcome::kAlreadyGone},
           {true, 502, "", Outcome::kRetry},
       }) {
    EXPECT_EQ(ClassifyNovaResponse(c.shelve, Answer(c.status, c.body)).outcome, c.outcome)
        << (c.shelve ? "shelve " : "delete ") << c.status << " " << c.body;
  }
  EXPECT_EQ(ClassifyNovaResponse(false, Answer(409, locked)).detail,
            "Nova answered HTTP 409 (conflictingRequest: Instance 6a2b is locked)");
  HttpResponse unreachable;
  unreachable.error = "Failed to connect to 10.0.0.1 port 8774";
  EXPECT_EQ(ClassifyNovaResponse(false, unreachable).outcome, Outcome::kRetry);
}

TEST(MetadataUuid, ReadsTheUuid) {
  EXPECT_EQ(MetadataUuid(R"({"uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "name": "w1"})"),
            "83679162-1378-4288-a2d4-70e13ec132aa");
  EXPECT_EQ(MetadataUuid(R"({"name": "w1"})"), "");
  EXPECT_EQ(MetadataUuid("not json"), "");
  // Into the DELETE's URL path it goes: nothing that would change the path.
  EXPECT_EQ(MetadataUuid(R"({"uuid": "../../os-services/1"})"), "");
  EXPECT_EQ(MetadataUuid(R"({"uuid": "83679162?force=1"})"), "");
  EXPECT_EQ(MetadataUuid("{\"uuid\": \"" + std::string(65, 'a') + "\"}"), "");
}

using TempDir = TempDirTest;

using ConfigDrive = TempDir;

TEST_F(ConfigDrive, IsTheFallbackForTheMetadataService) {
  Write("drive/openstack/latest/meta_data.json", R"({"uuid": "from-the-drive"})");
  OpenStackPlaces places;
  places.metadata = "http://127.0.0.1:1";  // nothing listens there
  places.config_drives = {dir_ + "/absent", dir_ + "/drive"};
  places.mount_point.clear();
  OpenStackClient client({}, places);
  ASSERT_TRUE(client.FetchIdentity().ok());
  EXPECT_EQ(client.server_id(), "from-the-drive");

  places.config_drives = {dir_ + "/absent"};
  OpenStackClient without({}, places);
  Status s = without.FetchIdentity();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("metadata service (http://127.0.0.1:1)"));
  EXPECT_THAT(s.message(), HasSubstr("no config drive"));
}

// Credentials: config file, then OS_*, then clouds.yaml.
class Credentials : public TempDir {
 protected:
  EnvLookup Env() {
    return [this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    };
  }
  std::map<std::string, std::string> env_;
};

const char kCloudsYaml[] = R"(clouds:
  js2:
    auth:
      auth_url: https://js2.example:5000/v3/
      application_credential_id: "yaml-id"
      application_credential_secret: "yaml-secret"
    region_name: "IU"
    interface: "public"
    identity_api_version: 3
    auth_type: "v3applicationcredential"
  other:
    auth:
      auth_url: https://other.example/v3
      application_credential_id: other-id
      application_credential_secret: other-secret
    interface: internal
)";

TEST_F(Credentials, ConfigFileComesFirst) {
  env_ = {{"OS_AUTH_URL", "https://env.example/v3"},
          {"OS_APPLICATION_CREDENTIAL_ID", "env-id"},
          {"OS_APPLICATION_CREDENTIAL_SECRET", "env-secret"}};
  OpenStackSettings file;
  file.auth_url = "https://file.example/v3";
  file.credential_id = "file-id";
  file.credential_secret = "file-secret";
  file.region = "TACC";
  OpenStackCredentials c;
  ASSERT_TRUE(ResolveOpenStackCredentials(file, Env(), {}, &c).ok());
  EXPECT_EQ(c.id, "file-id");
  EXPECT_EQ(c.secret, "file-secret");
  EXPECT_EQ(c.auth_url, "https://file.example/v3");
  EXPECT_EQ(c.region, "TACC");
  EXPECT_EQ(c.interface, "public");
  EXPECT_EQ(c.source, "the config file");
}

TEST_F(Credentials, EnvironmentBeforeCloudsYaml) {
  std::string yaml = Write("clouds.yaml", kCloudsYaml);
  env_ = {{"OS_AUTH_URL", "https://env.example/v3"},
          {"OS_APPLICATION_CREDENTIAL_ID", "env-id"},
          {"OS_APPLICATION_CREDENTIAL_SECRET", "env-secret"},
          {"OS_REGION_NAME", "IU"},
          {"OS_INTERFACE", "internalURL"},
          {"OS_CLOUD", "js2"}};
  OpenStackSettings file;
  file.interface = "admin";  // the file's interface and region override any source's
  OpenStackCredentials c;
  ASSERT_TRUE(ResolveOpenStackCredentials(file, Env(), {yaml}, &c).ok());
  EXPECT_EQ(c.id, "env-id");
  EXPECT_EQ(c.secret, "env-secret");
  EXPECT_EQ(c.region, "IU");
  EXPECT_EQ(c.interface, "admin");
  EXPECT_EQ(c.source, "the OS_* environment variables");
}

TEST_F(Credentials, IncompleteEnvironmentNamesWhatIsMissing) {
  env_ = {{"OS_APPLICATION_CREDENTIAL_ID", "env-id"},
          {"OS_APPLICATION_CREDENTIAL_SECRET", "env-secret"}};
  OpenStackCredentials c;
  Status s = ResolveOpenStackCredentials({}, Env(), {}, &c);
  EXPECT_EQ(s.message(),
            "the OpenStack credential from the OS_* environment variables lacks: "
            "auth URL");
}

TEST_F(Credentials, CloudsYamlByName) {
  std::string yaml = Write("clouds.yaml", kCloudsYaml);
  env_ = {{"OS_CLOUD", "js2"}};
  OpenStackCredentials c;
  ASSERT_TRUE(ResolveOpenStackCredentials({}, Env(), {dir_ + "/absent.yaml", yaml}, &c).ok());
  EXPECT_EQ(c.auth_url, "https://js2.example:5000/v3/");
  EXPECT_EQ(c.id, "yaml-id");
  EXPECT_EQ(c.secret, "yaml-secret");
  EXPECT_EQ(c.region, "IU");
  EXPECT_EQ(c.source, "clouds.yaml (cloud js2 in " + yaml + ")");
  OpenStackSettings file;
  file.cloud = "other";  // the file's OpenStackCloud wins over OS_CLOUD
  ASSERT_TRUE(ResolveOpenStackCredentials(file, Env(), {yaml}, &c).ok());
  EXPECT_EQ(c.id, "other-id");
  EXPECT_EQ(c.interface, "internal");
}

TEST_F(Credentials, CloudsYamlProblems) {
  OpenStackCredentials c;
  std::string yaml = Write("clouds.yaml", kCloudsYaml);
  EXPECT_THAT(ResolveOpenStackCredentials({}, Env(), {yaml}, &c).message(),
              HasSubstr("holds several clouds: set OS_CLOUD or OpenStackCloud"));
  env_ = {{"OS_CLOUD", "nope"}};
  EXPECT_EQ(ResolveOpenStackCredentials({}, Env(), {yaml}, &c).message(),
            yaml + ": no cloud named nope");
  EXPECT_THAT(ParseCloudsYaml("clouds:\n  a:\n    auth_type: password\n    auth:\n      "
                              "username: u\n      password: yaml-secret\n",
                              "c.yaml", "", &c)
                  .message(),
              HasSubstr("uses auth_type password; only an application credential"));
  Status broken = ParseCloudsYaml("clouds: [\n  secret: \"yaml-secret", "c.yaml", "", &c);
  EXPECT_THAT(broken.message(), HasSubstr("c.yaml: not valid YAML"));
  EXPECT_THAT(broken.message(), Not(HasSubstr("yaml-secret")));
  env_.clear();
  Status none = ResolveOpenStackCredentials({}, Env(), {dir_ + "/absent.yaml"}, &c);
  EXPECT_THAT(none.message(), HasSubstr("no OpenStack application credential"));
  EXPECT_THAT(none.message(), HasSubstr(dir_ + "/absent.yaml"));
}

TEST(CloudsYamlPaths, StandardOrder) {
  std::map<std::string, std::string> env = {{"OS_CLIENT_CONFIG_FILE", "/etc/x.yaml"}};
  auto lookup = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_THAT(CloudsYamlPaths(lookup, "/root"),
              ::testing::ElementsAre("/etc/x.yaml", "/root/.config/openstack/clouds.yaml",
                                     "/etc/openstack/clouds.yaml"));
}

// systemd starts the agent without HOME (the unit has no User=): root's clouds.yaml must still
// be looked for, in the home of the passwd entry, and a HOME pointing elsewhere changes nothing.
TEST(CloudsYamlPaths, HomeComesFromThePasswdEntryNotFromHome) {
  passwd* entry = getpwuid(geteuid());
  ASSERT_NE(entry, nullptr);
  std::string expected = std::string(entry->pw_dir) + "/.config/openstack/clouds.yaml";
  auto unset = [](const char*) -> const char* { return nullptr; };
  EXPECT_THAT(CloudsYamlPaths(unset), ::testing::Contains(expected));
  auto elsewhere = [](const char* name) -> const char* {
    return std::string(name) == "HOME" ? "/elsewhere" : nullptr;
  };
  EXPECT_THAT(CloudsYamlPaths(elsewhere), ::testing::Contains(expected));
  EXPECT_THAT(CloudsYamlPaths(elsewhere),
              ::testing::Not(::testing::Contains(HasSubstr("/elsewhere"))));
}

// A clouds.yaml another user owns is not used, whatever its mode: its owner could read the
// secret or plant a credential of their own. The search stops there, as a client's does at the
// first file found, and the error names the file and its owner.
TEST_F(Credentials, CloudsYamlOwnedByAnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  std::string foreign = Write("foreign/clouds.yaml", kCloudsYaml);
  std::string fallback = Write("root/clouds.yaml", kCloudsYaml);
  ASSERT_EQ(chown(foreign.c_str(), 65534, 65534), 0);
  chmod(foreign.c_str(), 0600);
  env_ = {{"OS_CLOUD", "js2"}};
  OpenStackCredentials c;
  Status refused = ResolveOpenStackCredentials({}, Env(), {foreign, fallback}, &c);
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(refused.message(), HasSubstr(foreign + " is owned by uid 65534"));
  EXPECT_THAT(refused.message(), HasSubstr("not root"));
  EXPECT_THAT(refused.message(), Not(HasSubstr("yaml-secret")));
  EXPECT_TRUE(c.secret.empty());
  ASSERT_EQ(chown(foreign.c_str(), 0, 0), 0);
  EXPECT_TRUE(ResolveOpenStackCredentials({}, Env(), {foreign, fallback}, &c).ok());
}

}  // namespace
}  // namespace osg
