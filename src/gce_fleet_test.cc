#include "gce_fleet.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "base64.h"
#include "google_auth.h"
#include "test_temp_dir.h"

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;
using json = nlohmann::json;

ServiceAccountKey TestKey(const std::string& pem = "") {
  return {"osg-test-project", "0123456789abcdef", pem,
          "fleet@osg-test-project.iam.gserviceaccount.com", "https://oauth2.googleapis.com/token"};
}

// A JWT's parts, decoded (the signature stays raw bytes).
std::vector<std::string> JwtParts(const std::string& jwt) {
  std::vector<std::string> parts;
  std::stringstream in(jwt);
  for (std::string part; std::getline(in, part, '.');) parts.push_back(*DecodeBase64Url(part));
  return parts;
}

TEST(Jwt, HeaderNamesTheAlgorithmAndTheKey) {
  json header = json::parse(JwtHeaderJson(TestKey()));
  EXPECT_EQ(header, (json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "0123456789abcdef"}}));
}

TEST(Jwt, ClaimsAskForTheComputeScopeForAnHour) {
  json claims = json::parse(JwtClaimsJson(TestKey(), kComputeScope, 1'700'000'000));
  EXPECT_EQ(claims["iss"], "fleet@osg-test-project.iam.gserviceaccount.com");
  EXPECT_EQ(claims["scope"], "https://www.googleapis.com/auth/compute");
  EXPECT_EQ(claims["aud"], "https://oauth2.googleapis.com/token");
  EXPECT_EQ(claims["iat"], 1'700'000'000);
  EXPECT_EQ(claims["exp"], 1'700'003'600);
}

TEST(Base64Url, HasNoPaddingAndTheUrlAlphabet) {
  EXPECT_EQ(EncodeBase64Url(""), "");
  EXPECT_EQ(EncodeBase64Url("f"), "Zg");
  EXPECT_EQ(EncodeBase64Url("fo"), "Zm8");
  EXPECT_EQ(EncodeBase64Url("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64Url("\xfb\xff"), "-_8");
  EXPECT_EQ(DecodeBase64Url(EncodeBase64Url("\x01\xfe\xff any bytes")), "\x01\xfe\xff any bytes");
}

class JwtSignature : public TempDirTest {
 protected:
  // An RSA key made by the openssl command for this test; "" when the command is missing.
  std::string MakeKey(const char* algorithm = "RSA") {
    std::string path = dir_ + "/key.pem";
    std::string command =
        std::string("openssl genpkey -algorithm ") + algorithm +
        (std::string(algorithm) == "RSA" ? " -pkeyopt rsa_keygen_bits:2048" : "") + " -out " +
        path + " 2>/dev/null";
    if (std::system(command.c_str()) != 0) return "";
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

TEST_F(JwtSignature, VerifiesWithThePublicKey) {
  std::string pem = MakeKey();
  if (pem.empty()) GTEST_SKIP() << "no openssl command";
  std::string jwt;
  Status s = MakeJwtAssertion(TestKey(pem), kComputeScope, 1'700'000'000, &jwt);
  ASSERT_TRUE(s.ok()) << s.message();
  size_t last_dot = jwt.rfind('.');
  std::vector<std::string> parts = JwtParts(jwt);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(json::parse(parts[0])["alg"], "RS256");
  EXPECT_EQ(json::parse(parts[1])["exp"], 1'700'003'600);
  EXPECT_EQ(parts[2].size(), 256u);  // a 2048-bit key's signature
  Write("signed", jwt.substr(0, last_dot));
  Write("signature", parts[2]);
  std::string verify = "openssl pkey -in " + dir_ + "/key.pem -pubout -out " + dir_ +
                       "/pub.pem && openssl dgst -sha256 -verify " + dir_ + "/pub.pem -signature " +
                       dir_ + "/signature " + dir_ + "/signed >/dev/null";
  EXPECT_EQ(std::system(verify.c_str()), 0) << "openssl does not verify the JWT's signature";
  // Another text does not verify: the command would notice a bad signature.
  Write("signed", jwt.substr(0, last_dot) + "x");
  EXPECT_NE(std::system((verify + " 2>&1").c_str()), 0);
}

TEST_F(JwtSignature, RefusesOtherKeysWithoutQuotingThem) {
  std::string signature;
  Status s = SignRs256("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n", "x",
                       &signature);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().find("c2VjcmV0"), std::string::npos);
  std::string ec = MakeKey("EC -pkeyopt ec_paramgen_curve:P-256");
  if (ec.empty()) GTEST_SKIP() << "no openssl command";
  s = SignRs256(ec, "x", &signature);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not an RSA key"), std::string::npos) << s.message();
}

TEST(ServiceAccountKey, ReadsTheFieldsAndNamesWhatIsMissing) {
  json doc = {{"type", "service_account"},
              {"project_id", "p-1"},
              {"private_key_id", "kid"},
              {"private_key", "PEM-SECRET"},
              {"client_email", "a@p-1.iam.gserviceaccount.com"},
              {"token_uri", "https://oauth2.googleapis.com/token"}};
  ServiceAccountKey key;
  ASSERT_TRUE(ParseServiceAccountKey(doc.dump(), &key).ok());
  EXPECT_EQ(key.project_id, "p-1");
  EXPECT_EQ(key.client_email, "a@p-1.iam.gserviceaccount.com");
  for (const char* field : {"private_key", "client_email", "token_uri"}) {
    json without = doc;
    without.erase(field);
    Status s = ParseServiceAccountKey(without.dump(), &key);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(field), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("PEM-SECRET"), std::string::npos);
  }
  json user = doc;
  user["type"] = "authorized_user";
  EXPECT_FALSE(ParseServiceAccountKey(user.dump(), &key).ok());
  json plain_http = doc;
  plain_http["token_uri"] = "http://oauth2.example.com/token";
  EXPECT_FALSE(ParseServiceAccountKey(plain_http.dump(), &key).ok());
  EXPECT_FALSE(ParseServiceAccountKey("not json PEM-SECRET", &key).ok());
}

TEST(IsSafeCredentialUrl, HttpsOrLoopback) {
  EXPECT_TRUE(IsSafeCredentialUrl("https://oauth2.googleapis.com/token"));
  EXPECT_TRUE(IsSafeCredentialUrl("http://127.0.0.1:8080/token"));
  EXPECT_TRUE(IsSafeCredentialUrl("http://localhost/token"));
  EXPECT_TRUE(IsSafeCredentialUrl("http://[::1]:9/t"));
  EXPECT_FALSE(IsSafeCredentialUrl("http://127.0.0.1.evil.example/token"));
  EXPECT_FALSE(IsSafeCredentialUrl("http://localhost.evil.example/"));
  EXPECT_FALSE(IsSafeCredentialUrl("http://oauth2.googleapis.com/token"));
  EXPECT_FALSE(IsSafeCredentialUrl("https://"));
}

TEST(GceGroupLabel, IsAValidLabelValueThatKeepsGroupsApart) {
  std::regex label("[a-z0-9_-]{1,63}");
  for (const std::string& group :
       std::vector<std::string>{"", "osg", "My Group/Site #1", "ÄÖÜ unicode", std::string(300, 'x'),
                                "---", "a b", "a-b"}) {
    std::string value = GceGroupLabel(group);
    EXPECT_TRUE(std::regex_match(value, label)) << group << " -> " << value;
    EXPECT_EQ(value, GceGroupLabel(group));  // deterministic
  }
  EXPECT_EQ(GceGroupLabel("My Group/Site #1").substr(0, 16), "my-group-site-1-");
  EXPECT_NE(GceGroupLabel("a b"), GceGroupLabel("a-b"));  // the same slug, another hash
  EXPECT_EQ(GceGroupLabel(std::string(300, 'x')).size(), 63u);
}

TEST(GceRequestId, IsADeterministicUuid) {
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::string id = GceRequestId("insert", "p", "us-central1-a", "osg-1");
  EXPECT_TRUE(std::regex_match(id, uuid)) << id;
  EXPECT_EQ(id, GceRequestId("insert", "p", "us-central1-a", "osg-1"));
  EXPECT_NE(id, GceRequestId("insert", "p", "us-central1-a", "osg-2"));
  EXPECT_NE(id, GceRequestId("delete", "p", "us-central1-a", "osg-1"));
  EXPECT_NE(id, GceRequestId("insert", "p", "us-central1-b", "osg-1"));
}

TEST(UuidFromHex, SetsVersionAndVariant) {
  EXPECT_EQ(UuidFromHex("ffffffffffffffffffffffffffffffff", '4'),
            "ffffffff-ffff-4fff-bfff-ffffffffffff");
  EXPECT_EQ(UuidFromHex("00000000000000000000000000000000", '8'),
            "00000000-0000-8000-8000-000000000000");
  EXPECT_EQ(UuidFromHex("abc", '4'), "");
}

TEST(ParseGceImage, ImagesAndFamilies) {
  GceImageRef ref;
  ASSERT_TRUE(
      ParseGceImage("projects/debian-cloud/global/images/family/debian-12", "p", &ref).ok());
  EXPECT_EQ(ref.Path(), "projects/debian-cloud/global/images/family/debian-12");
  EXPECT_TRUE(ref.family);
  ASSERT_TRUE(ParseGceImage("https://www.googleapis.com/compute/v1/projects/x/global/images/img-1",
                            "p", &ref)
                  .ok());
  EXPECT_EQ(ref.Path(), "projects/x/global/images/img-1");
  EXPECT_FALSE(ref.family);
  ASSERT_TRUE(ParseGceImage("global/images/mine", "p", &ref).ok());
  EXPECT_EQ(ref.Path(), "projects/p/global/images/mine");
  for (const char* bad : {"", "debian-12", "projects/x/global/images", "projects/x/images/y",
                          "projects/x/global/images/a/b", "projects/x/global/images/a?b=1",
                          "projects/../global/images/x/", "projects/x/global/images/family/"}) {
    EXPECT_FALSE(ParseGceImage(bad, "p", &ref).ok()) << bad;
  }
}

TEST(GceInsertBody, CarriesTheScriptTheGroupAndTheServiceAccount) {
  LaunchSpec spec;
  spec.group = "OSG Group #1";
  spec.flavor = "e2-standard-4";
  spec.zone = "us-central1-a";
  GceImageRef image{"debian-cloud", "debian-12", true};
  std::string script = "#!/bin/sh\necho \"quotes\" \\ and \xc3\xa9\n";
  json body = GceInsertBody(spec, "osg-1", script, "osg-group-1-abcd1234", image);
  EXPECT_EQ(body["name"], "osg-1");
  EXPECT_EQ(body["machineType"], "zones/us-central1-a/machineTypes/e2-standard-4");
  ASSERT_EQ(body["disks"].size(), 1u);
  EXPECT_EQ(body["disks"][0]["boot"], true);
  EXPECT_EQ(body["disks"][0]["autoDelete"], true);
  EXPECT_EQ(body["disks"][0]["initializeParams"]["sourceImage"],
            "projects/debian-cloud/global/images/family/debian-12");
  json nic = body["networkInterfaces"][0];
  EXPECT_EQ(nic["network"], "global/networks/default");
  EXPECT_EQ(nic["accessConfigs"],
            json::parse(R"([{"type":"ONE_TO_ONE_NAT","name":"External NAT"}])"));
  std::map<std::string, std::string> items;
  for (const json& item : body["metadata"]["items"]) items[item["key"]] = item["value"];
  EXPECT_EQ(items["user-data"], script);
  EXPECT_EQ(items["osg-worker-group"], "OSG Group #1");
  EXPECT_EQ(body["labels"], (json{{"osg-worker-group", "osg-group-1-abcd1234"}}));
  EXPECT_EQ(body["serviceAccounts"], json::parse(R"([{"email":"default",
                             "scopes":["https://www.googleapis.com/auth/compute"]}])"));
  // Round trip through the wire: the script comes back byte for byte.
  EXPECT_EQ(json::parse(body.dump())["metadata"]["items"][0]["value"], script);
}

TEST(GceNetworkPath, NamesAndPaths) {
  EXPECT_EQ(GceNetworkPath(""), "global/networks/default");
  EXPECT_EQ(GceNetworkPath("osg-net"), "global/networks/osg-net");
  EXPECT_EQ(GceNetworkPath("projects/host/global/networks/shared"),
            "projects/host/global/networks/shared");
}

TEST(GceOperationOutcome, DoneFailedOrPending) {
  EXPECT_EQ(GceOperationOutcome(json{{"name", "op-1"}, {"status", "DONE"}}).outcome,
            Outcome::kDone);
  CloudResult running = GceOperationOutcome(json{{"name", "op-1"}, {"status", "RUNNING"}});
  EXPECT_EQ(running.outcome, Outcome::kRetry);
  EXPECT_NE(running.detail.find("RUNNING"), std::string::npos);
  json quota = json::parse(R"({"name": "op-2", "status": "DONE", "httpErrorStatusCode": 403,
      "error": {"errors": [{"code": "QUOTA_EXCEEDED", "message": "Quota 'CPUS' exceeded.\nLimit: 24.0"},
                           {"code": "ZONE_RESOURCE_POOL_EXHAUSTED", "message": "no room"}]}})");
  CloudResult refused = GceOperationOutcome(quota);
  EXPECT_EQ(refused.outcome, Outcome::kRefused);
  EXPECT_EQ(refused.detail,
            "operation op-2 failed: QUOTA_EXCEEDED: Quota 'CPUS' exceeded. Limit: 24.0; "
            "ZONE_RESOURCE_POOL_EXHAUSTED: no room");
  EXPECT_EQ(GceOperationOutcome(json::parse(R"({"status": "DONE"})")).outcome, Outcome::kRetry);
  EXPECT_EQ(GceOperationOutcome(json{{"name", "o"}, {"status", "DONE"}, {"error", json::object()}})
                .outcome,
            Outcome::kRefused);
}

json Instance(const std::string& name, const std::string& group, const std::string& status) {
  json items = json::array({json{{"key", "user-data"}, {"value", "#!/bin/sh"}}});
  if (!group.empty()) items.push_back({{"key", "osg-worker-group"}, {"value", group}});
  return {{"name", name},
          {"status", status},
          {"zone", "https://www.googleapis.com/compute/v1/projects/p/zones/us-east1-b"},
          {"creationTimestamp", "2024-05-06T07:08:09.123-07:00"},
          {"metadata", {{"items", items}}}};
}

TEST(ParseGceInstancePage, KeepsTheExactGroupAcrossZones) {
  json page = {{"items",
                {{"zones/us-east1-b",
                  {{"instances",
                    {Instance("a-1", "g 1", "RUNNING"), Instance("a-2", "g-1", "RUNNING"),
                     Instance("a-3", "", "RUNNING")}}}},
                 {"zones/us-east1-c", {{"warning", {{"code", "NO_RESULTS_ON_PAGE"}}}}},
                 {"zones/us-east1-d", {{"instances", {Instance("a-4", "g 1", "STAGING")}}}}}},
               {"nextPageToken", "next-1"}};
  std::vector<GceListedInstance> out;
  std::string next;
  ASSERT_TRUE(ParseGceInstancePage(page.dump(), "g 1", &out, &next).ok());
  EXPECT_EQ(next, "next-1");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].instance.id, "a-1");
  EXPECT_EQ(out[0].instance.name, "a-1");
  EXPECT_EQ(out[0].instance.cloud_state, "RUNNING");
  EXPECT_EQ(out[0].instance.state, ScaledWorker::Cloud::kActive);
  EXPECT_EQ(out[0].instance.launched_at, 1715004489);  // 2024-05-06T14:08:09Z
  EXPECT_EQ(out[0].zone, "us-east1-b");
  EXPECT_EQ(out[1].instance.state, ScaledWorker::Cloud::kBooting);

  out.clear();
  ASSERT_TRUE(
      ParseGceInstancePage(json{{"items", json::array({Instance("b", "g", "TERMINATED")})}}.dump(),
                           "g", &out, &next)
          .ok());
  EXPECT_EQ(next, "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].instance.state, ScaledWorker::Cloud::kStopped);
  EXPECT_FALSE(ParseGceInstancePage("<html>", "g", &out, &next).ok());
  EXPECT_FALSE(
      ParseGceInstancePage(R"({"unreachables": ["zones/us-east1-b"]})", "g", &out, &next).ok());
  EXPECT_TRUE(ParseGceInstancePage("{}", "g", &out, &next).ok());  // no instances at all
}

TEST(FleetStateOf, GceStates) {
  using C = ScaledWorker::Cloud;
  EXPECT_EQ(FleetStateOf("gce", "PROVISIONING"), C::kBooting);
  EXPECT_EQ(FleetStateOf("gce", "STAGING"), C::kBooting);
  EXPECT_EQ(FleetStateOf("gce", "RUNNING"), C::kActive);
  EXPECT_EQ(FleetStateOf("gce", "STOPPING"), C::kStopped);
  EXPECT_EQ(FleetStateOf("gce", "TERMINATED"), C::kStopped);
  EXPECT_EQ(FleetStateOf("gce", "SUSPENDED"), C::kStopped);
  EXPECT_EQ(FleetStateOf("gce", "REPAIRING"), C::kError);
}

TEST(ParseRfc3339, OffsetsAndFractions) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("2024-05-06T14:08:09Z"), 1715004489);
  EXPECT_EQ(ParseRfc3339("2024-05-06T07:08:09.123-07:00"), 1715004489);
  EXPECT_EQ(ParseRfc3339("2024-05-06T16:08:09+02:00"), 1715004489);
  for (const char* bad : {"", "2024-05-06", "2024-05-06T07:08:09", "2024-05-06T07:08:09+0700",
                          "2024-05-06T07:08:09.5x", "garbage"}) {
    EXPECT_EQ(ParseRfc3339(bad), 0) << bad;
  }
}

class MakeGceFleetTest : public TempDirTest {
 protected:
  std::unique_ptr<CloudFleet> Make(std::map<std::string, std::string> vars, FleetOptions options,
                                   std::string* error) {
    options.cloud = "gce";
    return MakeGceFleet(
        options,
        [vars](const char* name) -> const char* {
          auto it = vars.find(name);
          return it == vars.end() ? nullptr : it->second.c_str();
        },
        error);
  }
};

TEST_F(MakeGceFleetTest, NamesBothVariablesWhenNeitherIsSet) {
  std::string error;
  EXPECT_EQ(Make({}, {}, &error), nullptr);
  EXPECT_NE(error.find("GOOGLE_APPLICATION_CREDENTIALS"), std::string::npos) << error;
  EXPECT_NE(error.find("GOOGLE_OAUTH_ACCESS_TOKEN"), std::string::npos) << error;
}

TEST_F(MakeGceFleetTest, ATokenNeedsAProject) {
  std::string error;
  EXPECT_EQ(Make({{"GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.secret"}}, {}, &error), nullptr);
  EXPECT_NE(error.find("project"), std::string::npos) << error;
  EXPECT_EQ(error.find("ya29.secret"), std::string::npos);
  FleetOptions options;
  options.project = "p-1";
  EXPECT_NE(Make({{"GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.secret"}}, options, &error), nullptr)
      << error;
  EXPECT_EQ(Make({{"GOOGLE_OAUTH_ACCESS_TOKEN", "ya29 secret"}}, options, &error), nullptr);
  options.endpoint = "http://compute.example.com";
  EXPECT_EQ(Make({{"GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.secret"}}, options, &error), nullptr);
}

TEST_F(MakeGceFleetTest, TheKeyFileGivesTheProject) {
  json doc = {{"type", "service_account"},
              {"project_id", "from-key"},
              {"private_key_id", "kid"},
              {"private_key", "PEM-SECRET"},
              {"client_email", "a@from-key.iam.gserviceaccount.com"},
              {"token_uri", "https://oauth2.googleapis.com/token"}};
  std::string path = Write("key.json", doc.dump());
  chmod(path.c_str(), 0600);
  std::string error;
  EXPECT_NE(Make({{"GOOGLE_APPLICATION_CREDENTIALS", path}}, {}, &error), nullptr) << error;
  EXPECT_EQ(Make({{"GOOGLE_APPLICATION_CREDENTIALS", dir_ + "/absent.json"}}, {}, &error), nullptr);
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
  doc.erase("project_id");
  Write("key.json", doc.dump());
  EXPECT_EQ(Make({{"GOOGLE_APPLICATION_CREDENTIALS", path}}, {}, &error), nullptr);
  EXPECT_EQ(error.find("PEM-SECRET"), std::string::npos);
}

}  // namespace
}  // namespace osg
