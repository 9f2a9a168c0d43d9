#include "ec2_fleet.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "base64.h"
#include "ec2_test_answers.h"
#include "text.h"

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;
using ec2_test::Answer;
using ec2_test::ErrorXml;
using ec2_test::SuccessXml;

// Answer shapes from the EC2 API reference (Query API, version 2016-11-15), trimmed.
const std::string kRunInstances = SuccessXml("RunInstances", R"(
  <reservationId>r-1234567890abcdef0</reservationId>
  <instancesSet>
    <item>
      <instanceId>i-1234567890abcdef0</instanceId>
      <instanceState><code>0</code><name>pending</name></instanceState>
      <amiLaunchIndex>0</amiLaunchIndex>
      <groupSet/>
      <clientToken>w-1a2b3c-0123456789abcdef0123</clientToken>
    </item>
  </instancesSet>
)");

// Two reservations; the first holds a worker of the group with nested lists (groups, block
// devices, network interfaces with their own items) around its fields, the second one of
// another group; then a nextToken.
const std::string kDescribeInstances = SuccessXml("DescribeInstances", R"(
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState>
            <code>16</code>
            <name>running</name>
          </instanceState>
          <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
          <reason/>
          <keyName>my_keypair</keyName>
          <instanceType>t2.micro</instanceType>
          <launchTime>2018-05-08T16:46:19.000Z</launchTime>
          <placement>
            <availabilityZone>eu-west-1c</availabilityZone>
            <groupName/>
            <tenancy>default</tenancy>
          </placement>
          <groupSet>
            <item><groupId>sg-e4076980</groupId><groupName>SecurityGroup1</groupName></item>
          </groupSet>
          <blockDeviceMapping>
            <item>
              <deviceName>/dev/xvda</deviceName>
              <ebs>
                <volumeId>vol-1234567890abcdef0</volumeId>
                <status>attached</status>
                <attachTime>2015-12-22T10:44:09.000Z</attachTime>
              </ebs>
            </item>
          </blockDeviceMapping>
          <clientToken>xMcwG14507example</clientToken>
          <tagSet>
            <item><key>WorkerGroupName</key><value>OSG &amp; friends</value></item>
            <item><key>Name</key><value>osg-friends-1a2b3c</value></item>
          </tagSet>
          <networkInterfaceSet>
            <item>
              <networkInterfaceId>eni-551ba033</networkInterfaceId>
              <status>in-use</status>
              <groupSet>
                <item><groupId>sg-e4076980</groupId><groupName>SecurityGroup1</groupName></item>
              </groupSet>
              <attachment>
                <attachmentId>eni-attach-39697adc</attachmentId>
                <status>attached</status>
              </attachment>
              <privateIpAddressesSet>
                <item><privateIpAddress>192.168.1.88</privateIpAddress><primary>true</primary></item>
              </privateIpAddressesSet>
            </item>
          </networkInterfaceSet>
          <iamInstanceProfile>
            <arn>arn:aws:iam::123456789012:instance-profile/osg-worker</arn>
            <id>ABCAJEDNCAA64SSD123AB</id>
          </iamInstanceProfile>
        </item>
        <item>
          <instanceId>i-0598c7d356eba48d7</instanceId>
          <instanceState><code>0</code><name>pending</name></instanceState>
          <launchTime>2018-05-08T16:47:00.000Z</launchTime>
          <tagSet>
            <item><key>Name</key><value>osg-friends-4d5e6f</value></item>
            <item><key>WorkerGroupName</key><value>OSG &amp; friends</value></item>
          </tagSet>
        </item>
      </instancesSet>
    </item>
    <item>
      <reservationId>r-0abcdef1234567890</reservationId>
      <instancesSet>
        <item>
          <instanceId>i-0aaaaaaaaaaaaaaaa</instanceId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <tagSet>
            <item><key>WorkerGroupName</key><value>OSG &amp; friends*</value></item>
          </tagSet>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
  <nextToken>eyJ2IjoiMiIsImMiOiJmb28ifQ==</nextToken>
)");

const std::string kDescribeInstanceTypes = SuccessXml("DescribeInstanceTypes", R"(
  <instanceTypeSet>
    <item>
      <instanceType>c5.4xlarge</instanceType>
      <currentGeneration>true</currentGeneration>
      <processorInfo>
        <supportedArchitectures><item>x86_64</item></supportedArchitectures>
        <sustainedClockSpeedInGhz>3.4</sustainedClockSpeedInGhz>
      </processorInfo>
      <vCpuInfo>
        <defaultVCpus>16</defaultVCpus>
        <defaultCores>8</defaultCores>
        <defaultThreadsPerCore>2</defaultThreadsPerCore>
        <validCores><item>2</item><item>4</item><item>8</item></validCores>
        <validThreadsPerCore><item>1</item><item>2</item></validThreadsPerCore>
      </vCpuInfo>
      <memoryInfo><sizeInMiB>32768</sizeInMiB></memoryInfo>
    </item>
  </instanceTypeSet>
)");

const std::string kDescribeImages = SuccessXml("DescribeImages", R"(
  <imagesSet>
    <item>
      <imageId>ami-1234567890EXAMPLE</imageId>
      <imageLocation>123456789012/osg-worker-2026-12-01</imageLocation>
      <imageState>available</imageState>
      <blockDeviceMapping>
        <item><deviceName>/dev/xvda</deviceName><ebs><snapshotId>snap-1234567890abcdef0</snapshotId></ebs></item>
      </blockDeviceMapping>
    </item>
  </imagesSet>
)");

// The form as name -> value (its names are unique).
std::map<std::string, std::string> AsMap(const HeaderList& form) {
  std::map<std::string, std::string> map;
  for (const auto& [name, value] : form) {
    EXPECT_TRUE(map.emplace(name, value).second) << "twice: " << name;
  }
  return map;
}

LaunchSpec FullSpec() {
  LaunchSpec spec;
  spec.group = "OSG & friends";
  spec.flavor = "c5.4xlarge";
  spec.image = "ami-1234567890EXAMPLE";
  spec.network = "subnet-56f5f633";
  spec.key_name = "owner-key";
  spec.instance_profile = "osg-worker";
  spec.security_groups = {"sg-e4076980", "sg-0abc", "default"};
  return spec;
}

TEST(Ec2ClientToken, SameForEachRetryDifferentForEachWorker) {
  std::string token = Ec2ClientToken("OSG & friends", "osg-friends-1a2b3c");
  ASSERT_FALSE(token.empty()) << "libcrypto did not load";
  EXPECT_EQ(token, Ec2ClientToken("OSG & friends", "osg-friends-1a2b3c"));
  EXPECT_EQ(token.rfind("osg-friends-1a2b3c-", 0), 0u) << token;
  EXPECT_EQ(token.size(), std::string("osg-friends-1a2b3c-").size() + 20);
  EXPECT_NE(token, Ec2ClientToken("OSG & friends", "osg-friends-4d5e6f"));
  EXPECT_NE(token, Ec2ClientToken("other group", "osg-friends-1a2b3c"));
  // The group's length keeps "a"+"bc" and "ab"+"c" apart.
  EXPECT_NE(Ec2ClientToken("a", "bc"), Ec2ClientToken("ab", "c"));
}

TEST(Ec2ClientToken, AtMost64AsciiWhateverTheName) {
  for (const std::string& name : {std::string(300, 'w'), std::string("caf\xC3\xA9 worker"),
                                  std::string(), std::string("/"), std::string("w.1_2-3")}) {
    std::string token = Ec2ClientToken("g", name);
    EXPECT_LE(token.size(), 64u) << token;
    EXPECT_TRUE(IsUrlSafeName(token, 64, "-_.")) << token;
  }
  EXPECT_EQ(Ec2ClientToken("g", "caf\xC3\xA9").rfind("caf-", 0), 0u);
  EXPECT_EQ(Ec2ClientToken("g", "").rfind("osg-worker-", 0), 0u);
}

TEST(Ec2Forms, RunInstancesAsksForEverythingAWorkerNeeds) {
  std::string user_data = "#!/bin/sh\necho token=abc\n";
  auto form = AsMap(Ec2RunInstancesForm(FullSpec(), "osg-friends-1a2b3c", user_data, "tok-1"));
  std::map<std::string, std::string> want = {
      {"Action", "RunInstances"},
      {"ImageId", "ami-1234567890EXAMPLE"},
      {"InstanceType", "c5.4xlarge"},
      {"MinCount", "1"},
      {"MaxCount", "1"},
      {"UserData", EncodeBase64(user_data)},
      {"ClientToken", "tok-1"},
      {"InstanceInitiatedShutdownBehavior", "terminate"},
      {"MetadataOptions.HttpTokens", "required"},
      {"MetadataOptions.HttpEndpoint", "enabled"},
      {"IamInstanceProfile.Name", "osg-worker"},
      {"SubnetId", "subnet-56f5f633"},
      {"KeyName", "owner-key"},
      {"SecurityGroupId.1", "sg-e4076980"},
      {"SecurityGroupId.2", "sg-0abc"},
      {"SecurityGroup.1", "default"},
      {"TagSpecification.1.ResourceType", "instance"},
      {"TagSpecification.1.Tag.1.Key", "WorkerGroupName"},
      {"TagSpecification.1.Tag.1.Value", "OSG & friends"},
      {"TagSpecification.1.Tag.2.Key", "Name"},
      {"TagSpecification.1.Tag.2.Value", "osg-friends-1a2b3c"},
      {"TagSpecification.2.ResourceType", "volume"},
      {"TagSpecification.2.Tag.1.Key", "WorkerGroupName"},
      {"TagSpecification.2.Tag.1.Value", "OSG & friends"},
      {"TagSpecification.2.Tag.2.Key", "Name"},
      {"TagSpecification.2.Tag.2.Value", "osg-friends-1a2b3c"},
  };
  EXPECT_EQ(form, want);
}

TEST(Ec2Forms, RunInstancesLeavesUnsetOptionsToEc2) {
  LaunchSpec spec;
  spec.group = "g";
  spec.flavor = "t3.micro";
  spec.image = "ami-1";
  auto form = AsMap(Ec2RunInstancesForm(spec, "w-1", "", "tok"));
  for (const char* absent :
       {"IamInstanceProfile.Name", "SubnetId", "KeyName", "SecurityGroupId.1", "SecurityGroup.1"}) {
    EXPECT_EQ(form.count(absent), 0u) << absent;
  }
  EXPECT_EQ(form["UserData"], "");
  EXPECT_EQ(form["MetadataOptions.HttpTokens"], "required");
}

TEST(Ec2Forms, DescribeInstancesFiltersOnTheGroupAndLiveStates) {
  auto first = AsMap(Ec2DescribeInstancesForm("OSG & friends", ""));
  std::map<std::string, std::string> want = {
      {"Action", "DescribeInstances"},
      {"Filter.1.Name", "tag:WorkerGroupName"},
      {"Filter.1.Value.1", "OSG & friends"},
      {"Filter.2.Name", "instance-state-name"},
      {"Filter.2.Value.1", "pending"},
      {"Filter.2.Value.2", "running"},
      {"Filter.2.Value.3", "stopping"},
      {"Filter.2.Value.4", "stopped"},
      {"MaxResults", "1000"},
  };
  EXPECT_EQ(first, want);
  auto next = AsMap(Ec2DescribeInstancesForm("g", "eyJ2IjoiMiJ9"));
  EXPECT_EQ(next["NextToken"], "eyJ2IjoiMiJ9");
  // EC2 reads * and ? as wildcards in a filter value; \ escapes them.
  EXPECT_EQ(AsMap(Ec2DescribeInstancesForm("a*b?c\\d", ""))["Filter.1.Value.1"], "a\\*b\\?c\\\\d");
}

TEST(Ec2Forms, PrepareLooksUpOneTypeAndOneImage) {
  EXPECT_EQ(Ec2DescribeInstanceTypesForm("m9.huge"),
            (HeaderList{{"Action", "DescribeInstanceTypes"}, {"InstanceType.1", "m9.huge"}}));
  EXPECT_EQ(Ec2DescribeImagesForm("ami-1"),
            (HeaderList{{"Action", "DescribeImages"}, {"ImageId.1", "ami-1"}}));
}

TEST(Ec2Parse, RunInstancesGivesTheInstanceId) {
  EXPECT_EQ(ParseEc2RunInstancesId(kRunInstances), "i-1234567890abcdef0");
  EXPECT_EQ(ParseEc2RunInstancesId(ErrorXml("InvalidAMIID.NotFound", "x")), "");
  EXPECT_EQ(ParseEc2RunInstancesId("<html><body>instanceId</body></html>"), "");
  EXPECT_EQ(ParseEc2RunInstancesId(""), "");
}

TEST(Ec2Parse, DescribeInstancesWalksReservationsInstancesAndTags) {
  std::vector<FleetInstance> out;
  std::string next;
  ASSERT_TRUE(ParseEc2InstancePage(kDescribeInstances, "OSG & friends", &out, &next).ok());
  EXPECT_EQ(next, "eyJ2IjoiMiIsImMiOiJmb28ifQ==");
  ASSERT_EQ(out.size(), 2u);  // the third is another group's (a wildcard's match)
  EXPECT_EQ(out[0].id, "i-1234567890abcdef0");
  EXPECT_EQ(out[0].name, "osg-friends-1a2b3c");
  EXPECT_EQ(out[0].cloud_state, "running");
  EXPECT_EQ(out[0].state, ScaledWorker::Cloud::kActive);
  EXPECT_EQ(out[0].launched_at, 1525797979);  // 2018-05-08T16:46:19Z
  EXPECT_EQ(out[1].id, "i-0598c7d356eba48d7");
  EXPECT_EQ(out[1].name, "osg-friends-4d5e6f");
  EXPECT_EQ(out[1].cloud_state, "pending");
  EXPECT_EQ(out[1].state, ScaledWorker::Cloud::kBooting);
  EXPECT_EQ(out[1].launched_at, 1525798020);

  // Pages append; the last one has no nextToken.
  std::string last = kDescribeInstances;
  last.erase(last.find("<nextToken>"), last.find("</nextToken>") + 12 - last.find("<nextToken>"));
  ASSERT_TRUE(ParseEc2InstancePage(last, "OSG & friends", &out, &next).ok());
  EXPECT_EQ(next, "");
  EXPECT_EQ(out.size(), 4u);
}

TEST(Ec2Parse, DescribeInstancesThatIsNoAnswerIsAnError) {
  std::vector<FleetInstance> out;
  std::string next = "stale";
  ASSERT_TRUE(
      ParseEc2InstancePage(SuccessXml("DescribeInstances", "<reservationSet/>"), "g", &out, &next)
          .ok());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(next, "");
  for (const std::string& body :
       {std::string("<html>captive portal</html>"), std::string(""),
        std::string(kDescribeInstances).substr(0, 400), ErrorXml("AuthFailure", "no")}) {
    EXPECT_FALSE(ParseEc2InstancePage(body, "OSG & friends", &out, &next).ok()) << body;
  }
}

TEST(Ec2Parse, InstanceTypeCoresAreDefaultVCpus) {
  int cores = 0;
  ASSERT_TRUE(ParseEc2InstanceTypeCores(kDescribeInstanceTypes, "c5.4xlarge", &cores).ok());
  EXPECT_EQ(cores, 16);
  Status other = ParseEc2InstanceTypeCores(kDescribeInstanceTypes, "c5.large", &cores);
  EXPECT_EQ(other.message(), "DescribeInstanceTypes does not list it");
  std::string zero = kDescribeInstanceTypes;
  zero.replace(zero.find(">16<"), 4, ">0<");
  EXPECT_FALSE(ParseEc2InstanceTypeCores(zero, "c5.4xlarge", &cores).ok());
  std::string huge = kDescribeInstanceTypes;
  huge.replace(huge.find(">16<"), 4, ">99999999999<");
  EXPECT_FALSE(ParseEc2InstanceTypeCores(huge, "c5.4xlarge", &cores).ok());
  EXPECT_FALSE(ParseEc2InstanceTypeCores("<html/>", "c5.4xlarge", &cores).ok());
  EXPECT_EQ(cores, 16);
}

TEST(Ec2Parse, ImageListed) {
  EXPECT_TRUE(Ec2ImageListed(kDescribeImages, "ami-1234567890EXAMPLE"));
  EXPECT_FALSE(Ec2ImageListed(kDescribeImages, "ami-0000"));
  EXPECT_FALSE(
      Ec2ImageListed(SuccessXml("DescribeImages", "<imagesSet/>"), "ami-1234567890EXAMPLE"));
}

TEST(Ec2Failure, RefusedInOneLineWithEc2sCodeAndMessage) {
  CloudResult r = Ec2Failure(
      Answer(400, ErrorXml("InvalidInstanceType",
                           "The following supplied instance types do not exist: [m9.huge]")),
      "instance type m9.huge");
  EXPECT_EQ(r.outcome, Outcome::kRefused);
  EXPECT_EQ(r.detail,
            "EC2 refused instance type m9.huge: InvalidInstanceType: The following supplied "
            "instance types do not exist: [m9.huge] (HTTP 400)");

  r = Ec2Failure(Answer(401, ErrorXml("AuthFailure",
                                      "AWS was not able to validate\nthe "
                                      "provided access credentials")),
                 "image ami-1");
  EXPECT_EQ(r.outcome, Outcome::kRefused);
  EXPECT_EQ(r.detail.find('\n'), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("AuthFailure"), std::string::npos) << r.detail;

  r = Ec2Failure(Answer(403, "<html>Forbidden</html>"), "image ami-1");
  EXPECT_EQ(r.detail, "EC2 refused image ami-1: no error code (HTTP 403)");
}

TEST(Ec2Failure, TransportErrorsServerErrorsAndThrottlingRetry) {
  struct Case {
    long status;
    std::string code;
    Outcome want;
  } cases[] = {
      {503, "Unavailable", Outcome::kRetry},
      {500, "InternalError", Outcome::kRetry},
      {400, "RequestLimitExceeded", Outcome::kRetry},
      {500, "InsufficientInstanceCapacity", Outcome::kRetry},
      {400, "InvalidAMIID.NotFound", Outcome::kRefused},
      {400, "InvalidParameterValue", Outcome::kRefused},
      {403, "UnauthorizedOperation", Outcome::kRefused},
      {400, "IdempotentParameterMismatch", Outcome::kRefused},
  };
  for (const Case& c : cases) {
    CloudResult r = Ec2Failure(Answer(c.status, ErrorXml(c.code, "why")), "RunInstances for w");
    EXPECT_EQ(r.outcome, c.want) << c.status << " " << c.code;
    EXPECT_NE(r.detail.find(c.code + ": why (HTTP " + std::to_string(c.status) + ")"),
              std::string::npos)
        << r.detail;
  }
  HttpResponse timeout;
  timeout.error = "Operation timed out after 1000 milliseconds with 0 bytes received";
  timeout.timed_out = true;
  CloudResult r = Ec2Failure(timeout, "DescribeInstances for group g");
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_EQ(r.detail,
            "DescribeInstances for group g: EC2 did not answer in time: " + timeout.error);
}

TEST(Ec2Failure, NeverQuotesTheUserData) {
  std::string user_data = "#!/bin/sh\nPOOL_TOKEN=eyJhbGciOiJIUzI1NiJ9.secret-token-body\n";
  std::string encoded = EncodeBase64(user_data);
  for (const std::string& echo : {user_data.substr(10, 30), encoded.substr(8, 20)}) {
    CloudResult r = Ec2Failure(
        Answer(400, ErrorXml("InvalidParameterValue", "Invalid value '" + echo + "' for x")),
        "RunInstances for w-1", {user_data, encoded});
    EXPECT_EQ(r.outcome, Outcome::kRefused);
    EXPECT_EQ(r.detail.find(echo), std::string::npos) << r.detail;
    EXPECT_EQ(r.detail,
              "EC2 refused RunInstances for w-1: ?: (withheld: it quotes the request) (HTTP 400)");
  }
  // A message that quotes nothing of it stays.
  CloudResult r = Ec2Failure(Answer(400, ErrorXml("InvalidParameterValue",
                                                  "User data is too "
                                                  "long")),
                             "RunInstances for w-1", {user_data, encoded});
  EXPECT_NE(r.detail.find("User data is too long"), std::string::npos) << r.detail;
}

TEST(Ec2Failure, SharesRun) {
  EXPECT_TRUE(SharesRun("abcdefgh", "xxcdefyy", 4));
  EXPECT_FALSE(SharesRun("abcdefgh", "xxcdeyy", 4));
  EXPECT_FALSE(SharesRun("abc", "abc", 4));
  EXPECT_FALSE(SharesRun("abcd", "abcd", 0));
}

TEST(Ec2FleetState, EachEc2StateAsTheControllerCountsIt) {
  using C = ScaledWorker::Cloud;
  EXPECT_EQ(FleetStateOf("ec2", "pending"), C::kBooting);
  EXPECT_EQ(FleetStateOf("ec2", "running"), C::kActive);
  EXPECT_EQ(FleetStateOf("ec2", "stopping"), C::kStopped);
  EXPECT_EQ(FleetStateOf("ec2", "stopped"), C::kStopped);
  EXPECT_EQ(FleetStateOf("ec2", "shutting-down"), C::kError);
  EXPECT_EQ(FleetStateOf("ec2", "terminated"), C::kError);
  EXPECT_EQ(FleetStateOf("ec2", ""), C::kError);
}

// An environment of `vars` for MakeEc2Fleet.
FleetEnv EnvOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(Ec2FleetRegion, GivenThenAwsRegionThenAwsDefaultRegion) {
  std::string region;
  FleetEnv both = EnvOf({{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "us-west-2"}});
  ASSERT_TRUE(ChooseEc2Region("us-east-1", both, &region).ok());
  EXPECT_EQ(region, "us-east-1");
  ASSERT_TRUE(ChooseEc2Region("", both, &region).ok());
  EXPECT_EQ(region, "eu-west-1");
  ASSERT_TRUE(ChooseEc2Region("", EnvOf({{"AWS_DEFAULT_REGION", "us-west-2"}}), &region).ok());
  EXPECT_EQ(region, "us-west-2");
  EXPECT_EQ(ChooseEc2Region("", EnvOf({}), &region).message(),
            "no EC2 region: give one, or set AWS_REGION or AWS_DEFAULT_REGION");
  EXPECT_FALSE(ChooseEc2Region("evil.example.com/x", EnvOf({}), &region).ok());
}

TEST(Ec2FleetMake, CredentialsFromTheEnvironmentOnly) {
  std::string error;
  FleetOptions options{"ec2", "", "us-east-1"};
  EXPECT_EQ(MakeEc2Fleet(options, EnvOf({}), &error), nullptr);
  EXPECT_EQ(error,
            "no EC2 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and "
            "AWS_SESSION_TOKEN with temporary ones) in the environment");
  EXPECT_EQ(MakeEc2Fleet(options, EnvOf({{"AWS_ACCESS_KEY_ID", "AKID"}}), &error), nullptr);
  EXPECT_NE(error.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << error;

  FleetEnv keys = EnvOf({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "s3cr3t"}});
  auto fleet = MakeEc2Fleet(options, keys, &error);
  ASSERT_NE(fleet, nullptr) << error;
  EXPECT_EQ(fleet->CloudName(), "ec2");
  options.region = "";
  EXPECT_EQ(MakeEc2Fleet(options, keys, &error), nullptr);
  EXPECT_NE(error.find("AWS_REGION"), std::string::npos) << error;
  // Signed requests go over https, or plain http to loopback (tests).
  FleetOptions plain{"ec2", "http://ec2.example.com", "us-east-1"};
  EXPECT_EQ(MakeEc2Fleet(plain, keys, &error), nullptr);
  EXPECT_EQ(error, "the EC2 endpoint must be https (or http on loopback, for tests)");
  FleetOptions loopback{"ec2", "http://127.0.0.1:5000/", "us-east-1"};
  EXPECT_NE(MakeEc2Fleet(loopback, keys, &error), nullptr) << error;
  EXPECT_EQ(error.find("s3cr3t"), std::string::npos);
}

TEST(Ec2FleetCalls, NoAnswerIsRetryAndTheListStaysEmpty) {
  std::string error;
  FleetEnv keys = EnvOf({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "s3cr3t"}});
  FleetOptions options{"ec2", "http://127.0.0.1:9", "us-east-1", "", 2000};
  auto fleet = MakeEc2Fleet(options, keys, &error);
  ASSERT_NE(fleet, nullptr) << error;
  std::vector<FleetInstance> out(1);
  CloudResult listed = fleet->List("g", &out);
  EXPECT_EQ(listed.outcome, Outcome::kRetry) << listed.detail;
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(listed.detail.rfind("DescribeInstances for group g: cannot reach EC2: ", 0), 0u)
      << listed.detail;
  std::string id;
  CloudResult created = fleet->Create(FullSpec(), "w-1", "TOKEN=abc", &id);
  EXPECT_EQ(created.outcome, Outcome::kRetry) << created.detail;
  EXPECT_TRUE(id.empty());
  CloudResult deleted = fleet->Delete("i-1");
  EXPECT_EQ(deleted.outcome, Outcome::kRetry) << deleted.detail;
  EXPECT_EQ(deleted.detail.rfind("TerminateInstances i-1 in us-east-1: cannot reach EC2", 0), 0u)
      << deleted.detail;
  int cores = 0;
  LaunchSpec empty;
  EXPECT_EQ(fleet->Prepare(empty, &cores).outcome, Outcome::kRefused);
}

}  // namespace
}  // namespace osg
