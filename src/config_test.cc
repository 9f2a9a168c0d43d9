#include "config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "condor_config.h"
#include "test_token.h"
#include "test_temp_dir.h"

namespace osg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1800000000;
const std::string kToken = testing::MakeToken(kNow + 86400);

std::string SeedConfig(const std::string& token = kToken) {
  return "WorkerGroupName = My Test Workers\nToken = " + token +
         "\nStart = TARGET.ProjectName == \"TG-NNNNNN\"\n";
}

std::vector<std::string> Messages(const LoadedConfig& loaded) {
  std::vector<std::string> out;
  for (const Diagnostic& d : loaded.diagnostics) out.push_back(d.ToString());
  return out;
}

TEST(ParseConfig, AcceptsTheSeedFile) {
  LoadedConfig loaded = ParseConfig(SeedConfig(), "/etc/osg-worker.conf", kNow);
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(Messages(loaded));
  EXPECT_TRUE(loaded.diagnostics.empty());
  const Settings& s = loaded.settings;
  EXPECT_EQ(s.worker_group_name, "My Test Workers");
  EXPECT_EQ(s.token, kToken);
  EXPECT_EQ(s.start, "TARGET.ProjectName == \"TG-NNNNNN\"");
  EXPECT_TRUE(s.central_managers.empty()) << "the OSPool";
  EXPECT_EQ(s.idle_timeout, Seconds(25 * 60));
  EXPECT_EQ(s.accept_window, Seconds(7 * 86400));
  EXPECT_EQ(s.shutdown_action.kind, ShutdownAction::Kind::kAuto);  // no cloud: powers off
  EXPECT_EQ(s.shutdown_grace, Seconds(10 * 60));
  EXPECT_EQ(s.cloud, "");
  EXPECT_EQ(s.glidein_site, "Cloud");
  EXPECT_EQ(s.token_claims.subject, "worker@osgpool.test");
}

TEST(ParseConfig, AcceptsCrlfCommentsCaseAndOptionalKeys) {
  std::string text =
      "# injected by cloud-init\r\nworkergroupname = A\r\nTOKEN = " + kToken +
      "  \r\nstart = Cpus > 1\r\ncentralmanager = cm.example:9618\r\nIdleTimeout = 90s\r\n"
      "AcceptWindow = 2h\r\nShutdownAction = command:/usr/local/bin/record\r\nShutdownGrace = 1m\r\n"
      "GLIDEIN_Site = Jetstream2\r\nglidein_resourcename = IU\r\n";
  LoadedConfig loaded = ParseConfig(text, "f", kNow);
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(Messages(loaded));
  EXPECT_EQ(loaded.settings.token, kToken);  // trailing blanks and \r trimmed
  EXPECT_EQ(loaded.settings.central_managers, std::vector<std::string>{"cm.example:9618"});
  EXPECT_EQ(loaded.settings.idle_timeout, Seconds(90));
  EXPECT_EQ(loaded.settings.accept_window, Seconds(7200));
  EXPECT_EQ(loaded.settings.shutdown_action.ToString(), "command:/usr/local/bin/record");
  EXPECT_EQ(loaded.settings.shutdown_grace, Seconds(60));
  EXPECT_EQ(loaded.settings.glidein_site, "Jetstream2");
  EXPECT_EQ(loaded.settings.glidein_resource_name, "IU");
}

TEST(ParseConfig, ReadsTheCloudSettings) {
  LoadedConfig loaded = ParseConfig(SeedConfig() +
                                        "ShutdownAction = delete\nCloud = EC2\n"
                                        "EC2MetadataURL = http://10.111.0.2:8169/\n"
                                        "EC2Endpoint = http://10.111.0.2:5000\n",
                                    "f", kNow);
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(Messages(loaded));
  EXPECT_EQ(loaded.settings.shutdown_action.kind, ShutdownAction::Kind::kDelete);
  EXPECT_EQ(loaded.settings.cloud, "ec2");
  EXPECT_EQ(loaded.settings.ec2_metadata_url, "http://10.111.0.2:8169");
  EXPECT_EQ(loaded.settings.ec2_endpoint, "http://10.111.0.2:5000");
}

TEST(ParseConfig, ReadsTheGceSettings) {
  LoadedConfig loaded = ParseConfig(SeedConfig() +
                                        "Cloud = gce\n"
                                        "GCEMetadataURL = http://10.111.0.2:8170/\n"
                                        "GCEComputeEndpoint = http://10.111.0.2:8171\n",
                                    "f", kNow);
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(Messages(loaded));
  EXPECT_EQ(loaded.settings.cloud, "gce");
  EXPECT_EQ(loaded.settings.gce_metadata_url, "http://10.111.0.2:8170");
  EXPECT_EQ(loaded.settings.gce_compute_endpoint, "http://10.111.0.2:8171");
  Settings defaults;
  EXPECT_EQ(defaults.gce_metadata_url, "http://metadata.google.internal");
  EXPECT_EQ(defaults.gce_compute_endpoint, "https://compute.googleapis.com");
}

const char kAwsSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

TEST(ParseConfig, ReadsStaticEc2CredentialsAndNeverShowsTheSecret) {
  LoadedConfig loaded = ParseConfig(SeedConfig() + "Cloud = ec2\nEC2AccessKeyID = AKIDEXAMPLE\n" +
                                        "EC2SecretAccessKey = " + kAwsSecret + "\n",
                                    "f", kNow);
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(Messages(loaded));
  EXPECT_EQ(loaded.settings.ec2_access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(loaded.settings.ec2_secret_access_key, kAwsSecret);
  std::string summary = DescribeSettings(loaded.settings);
  EXPECT_THAT(summary, HasSubstr("EC2AccessKeyID       = AKIDEXAMPLE (secret key not shown)"));
  EXPECT_THAT(summary, ::testing::Not(HasSubstr(kAwsSecret)));
}

TEST(DescribeSettings, NamesTheCollectorsAndCcbServers) {
  LoadedConfig seed = ParseConfig(SeedConfig(), "f", kNow);
  ASSERT_TRUE(seed.ok());
  EXPECT_THAT(DescribeSettings(seed.settings),
              HasSubstr("Collectors           = cm-1.ospool.osg-htc.org?sock=collectorN, "
                        "cm-2.ospool.osg-htc.org?sock=collectorN (the OSPool; N from 1 to 10, "
                        "chosen at the instance's first start)\n"
                        "CCB servers          = ccb-1.ospool.osg-htc.org?sock=collectorN, "
                        "ccb-2.ospool.osg-htc.org?sock=collectorN\n"));
  LoadedConfig other =
      ParseConfig(SeedConfig() + "CentralManager = cm.example, cm.example:9619\n", "f", kNow);
  ASSERT_TRUE(other.ok());
  EXPECT_THAT(DescribeSettings(other.settings),
              HasSubstr("Collectors           = cm.example, cm.example:9619\n"
                        "CCB servers          = cm.example, cm.example:9619\n"));
}

TEST(ParseConfig, ABadSecretIsNeverQuoted) {
  auto errors = [](const std::string& secret) {
    return Messages(ParseConfig(
        SeedConfig() + "EC2AccessKeyID = AKIDEXAMPLE\nEC2SecretAccessKey = " + secret + "\n", "f",
        kNow));
  };
  // A space and a non-ASCII letter: the key's own check, which never quotes a secret.
  EXPECT_THAT(errors("wJalrXUtnFEMI K7MDENG\xc3\xa9tail"),
              ::testing::ElementsAre("f:5: error: EC2SecretAccessKey: the value holds a space or a "
                                     "character that is not printable ASCII"));
  // A control character is refused by the check every value goes through, unquoted as well.
  EXPECT_THAT(
      errors("wJalrXUtnFEMI\x01tail"),
      ::testing::ElementsAre("f:5: error: EC2SecretAccessKey: contains a control character"));
}

const std::string kOpenStackSecret = "s3cr3t-Value_that-must-never-show";

TEST(ParseConfig, ReadsTheOpenStackSettings) {
  LoadedConfig loaded = ParseConfig(
      SeedConfig() +
          "Cloud = OpenStack\nShutdownAction = shelve\n"
          "OpenStackAuthURL = https://keystone.example:5000/v3/\n"
          "OpenStackApplicationCredentialID = 0123abcd\n"
          "OpenStackApplicationCredentialSecret = " +
          kOpenStackSecret +
          "\n"
          "OpenStackRegion = IU\nOpenStackInterface = internalURL\nOpenStackCloud = js2\n"
          "OpenStackMetadataURL = http://10.111.0.2:8774\nOpenStackConfigDrive = /mnt/cd\n",
      "f", kNow);
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(Messages(loaded));
  const Settings& s = loaded.settings;
  EXPECT_EQ(s.cloud, "openstack");
  EXPECT_EQ(s.shutdown_action.kind, ShutdownAction::Kind::kShelve);
  EXPECT_EQ(s.shutdown_action.ToString(), "shelve");
  EXPECT_EQ(s.openstack.auth_url, "https://keystone.example:5000/v3");
  EXPECT_EQ(s.openstack.credential_id, "0123abcd");
  EXPECT_EQ(s.openstack.credential_secret, kOpenStackSecret);
  EXPECT_EQ(s.openstack.region, "IU");
  EXPECT_EQ(s.openstack.interface, "internal");
  EXPECT_EQ(s.openstack.cloud, "js2");
  EXPECT_EQ(s.openstack.metadata_url, "http://10.111.0.2:8774");
  EXPECT_EQ(s.openstack.config_drive, "/mnt/cd");
  std::string summary = DescribeSettings(s);
  EXPECT_THAT(summary, HasSubstr("application credential 0123abcd at "
                                 "https://keystone.example:5000/v3, secret set"));
  EXPECT_THAT(summary, ::testing::Not(HasSubstr(kOpenStackSecret)));
}

TEST(ParseConfig, OpenStackWithoutCredentialKeysIsValid) {
  // The credential may come from OS_* variables or clouds.yaml, known only at run time.
  LoadedConfig loaded =
      ParseConfig(SeedConfig() + "Cloud = openstack\nShutdownAction = delete\n", "f", kNow);
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(Messages(loaded));
  EXPECT_TRUE(loaded.diagnostics.empty());
  EXPECT_THAT(DescribeSettings(loaded.settings),
              HasSubstr("from OS_* variables or clouds.yaml at run time"));
}

TEST(ParseConfig, OpenStackKeysWithoutTheCloudWarn) {
  LoadedConfig loaded =
      ParseConfig(SeedConfig() + "OpenStackRegion = IU\n", "/etc/osg-worker.conf", kNow);
  EXPECT_TRUE(loaded.ok());
  EXPECT_THAT(Messages(loaded),
              ::testing::ElementsAre("/etc/osg-worker.conf:4: warning: OpenStackRegion: ignored: "
                                     "Cloud is not openstack"));
}

TEST(ParseConfig, ReadsTheMetricsSettings) {
  LoadedConfig defaults = ParseConfig(SeedConfig(), "f", kNow);
  EXPECT_FALSE(defaults.settings.metrics_port.has_value());
  EXPECT_EQ(defaults.settings.metrics_textfile, kMetricsTextfileAuto);
  LoadedConfig set = ParseConfig(
      SeedConfig() + "MetricsPort = 9618\nMetricsTextfile = /var/lib/x/osg.prom\n", "f", kNow);
  ASSERT_TRUE(set.ok()) << ::testing::PrintToString(Messages(set));
  EXPECT_EQ(set.settings.metrics_port, 9618);
  EXPECT_EQ(set.settings.metrics_textfile, "/var/lib/x/osg.prom");
  LoadedConfig off =
      ParseConfig(SeedConfig() + "MetricsPort = none\nMetricsTextfile = None\n", "f", kNow);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off.settings.metrics_port.has_value());
  EXPECT_EQ(off.settings.metrics_textfile, "");
}

struct BadCase {
  const char* name;
  std::string text;
  std::string expected;  // a substring of one error, with file, line and key
};

void PrintTo(const BadCase& c, std::ostream* out) { *out << c.name; }

class BadConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, GetsOneClearError) {
  LoadedConfig loaded = ParseConfig(GetParam().text, "/etc/osg-worker.conf", kNow);
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(Messages(loaded), ::testing::Contains(HasSubstr(GetParam().expected)));
  for (const std::string& message : Messages(loaded)) {
    EXPECT_THAT(message, ::testing::Not(HasSubstr(kToken))) << "a message leaked the token";
    EXPECT_THAT(message, ::testing::Not(HasSubstr(kToken.substr(30))))
        << "a message leaked part of the token";
    EXPECT_THAT(message, ::testing::Not(HasSubstr(kOpenStackSecret))) << "leaked the secret";
  }
}

const std::string kSeedStart = "Start = TARGET.ProjectName == \"TG-NNNNNN\"\n";
const std::string kTokenLine = "Token = " + kToken + "\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, BadConfig,
    ::testing::Values(
        BadCase{"empty", "", "/etc/osg-worker.conf: error: the file holds no settings"},
        BadCase{"only_comments", "# nothing\n\n", "the file holds no settings"},
        BadCase{"missing_token", kSeedStart, "error: Token: missing; this key is required"},
        BadCase{"missing_start", kTokenLine, "error: Start: missing"},
        BadCase{"not_a_jwt", "Token = aaabbb...\n" + kSeedStart,
                ":1: error: Token: not an IDTOKEN"},
        BadCase{"expired", "Token = " + testing::MakeToken(kNow - 1) + "\n" + kSeedStart,
                ":1: error: Token: the token expired at"},
        BadCase{"wrapped_token",
                "Token = " + kToken.substr(0, 20) + " " + kToken.substr(20) + "\n" + kSeedStart,
                ":1: error: Token: contains whitespace inside"},
        BadCase{"start_not_classad", kTokenLine + "Start = TARGET.ProjectName ==\n",
                ":2: error: Start: does not parse as a ClassAd expression"},
        BadCase{
            "start_multiline",
            kTokenLine + "Start = TARGET.ProjectName == \"a\" ||\n   TARGET.ProjectName == \"b\"\n",
            ":3: error: Start: Start must be on one line"},
        BadCase{"start_continuation", kTokenLine + "Start = Cpus > 1 \\\n",
                ":2: error: Start: ends with a backslash"},
        BadCase{
            "start_macro", kTokenLine + "Start = $(FULL_HOSTNAME) == \"x\"\n",
            ":2: error: Start: contains \"$\", which HTCondor's configuration reads as a macro"},
        BadCase{"include_line", "include : /etc/passwd\n" + kTokenLine + kSeedStart,
                ":1: error: HTCondor's \"include\" lines are not allowed here"},
        BadCase{"use_line", kTokenLine + kSeedStart + "use ROLE : Execute\n",
                ":3: error: HTCondor's \"use\" lines are not allowed here"},
        BadCase{"start_append", kTokenLine + "Start @= x\n",
                ":2: error: Start: HTCondor's \"@=\" multi-line syntax is not allowed"},
        BadCase{"start_include", kTokenLine + "Start = include : /etc/passwd\n",
                "Start: contains the word \"include\""},
        BadCase{
            "start_unquoted", kTokenLine + "Start = TARGET.ProjectName == TG-NNNNNN\n",
            ":2: error: Start: the unquoted TG-NNNNNN is read as attribute names and arithmetic, "
            "not as text, so Start matches no job; did you mean: TARGET.ProjectName == "
            "\"TG-NNNNNN\""},
        BadCase{"start_unscoped_job_attr", kTokenLine + "Start = ProjectName == \"TG-1\"\n",
                "\"ProjectName\" is not an attribute of this machine"},
        BadCase{"unknown_key", kTokenLine + kSeedStart + "WorkerGroup = x\n",
                ":3: error: WorkerGroup: unknown key; did you mean WorkerGroupName?"},
        BadCase{"no_equals", "hello\n" + kTokenLine + kSeedStart,
                ":1: error: expected \"Key = value\"; this line has no '='"},
        BadCase{"wrapped_token_line",
                "Token = " + kToken.substr(0, 30) + "\n" + kToken.substr(30) + "\n" + kSeedStart,
                ":2: error: Token: Token must be on one line; this line continues it"},
        BadCase{"start_wrapped_unindented", kTokenLine + "Start = Cpus > 1 &&\nMemory > 1\n",
                ":3: error: Start: Start must be on one line"},
        BadCase{"empty_key", "= 5\n" + kTokenLine + kSeedStart, ":1: error: expected"},
        BadCase{"bad_duration", kTokenLine + kSeedStart + "IdleTimeout = 25\n",
                ":3: error: IdleTimeout: \"25\" is not a duration"},
        BadCase{"bad_action", kTokenLine + kSeedStart + "ShutdownAction = halt\n",
                ":3: error: ShutdownAction: \"halt\" is not a shutdown action"},
        BadCase{
            "delete_without_cloud", kTokenLine + kSeedStart + "ShutdownAction = delete\n",
            ":3: error: ShutdownAction: delete needs to know the cloud: add Cloud = ec2, gce or "
            "openstack"},
        BadCase{"shelve_without_openstack",
                kTokenLine + kSeedStart + "Cloud = ec2\nShutdownAction = shelve\n",
                ":4: error: ShutdownAction: shelve is an OpenStack action: add Cloud = openstack"},
        BadCase{"shelve_without_cloud", kTokenLine + kSeedStart + "ShutdownAction = shelve\n",
                ":3: error: ShutdownAction: shelve is an OpenStack action"},
        BadCase{"openstack_credential_incomplete",
                kTokenLine + kSeedStart +
                    "Cloud = openstack\nOpenStackApplicationCredentialSecret = " +
                    kOpenStackSecret + "\n",
                ":4: error: OpenStackApplicationCredentialSecret: an OpenStack credential in this "
                "file needs OpenStackAuthURL, OpenStackApplicationCredentialID and "
                "OpenStackApplicationCredentialSecret; missing: OpenStackAuthURL, "
                "OpenStackApplicationCredentialID"},
        BadCase{"openstack_secret_with_blank",
                kTokenLine + kSeedStart + "OpenStackApplicationCredentialSecret = a b\n",
                ":3: error: OpenStackApplicationCredentialSecret: the value holds a space or a "
                "character that is not printable ASCII"},
        BadCase{"openstack_bad_interface",
                kTokenLine + kSeedStart + "Cloud = openstack\nOpenStackInterface = private\n",
                ":4: error: OpenStackInterface: \"private\" is not an endpoint interface"},
        BadCase{"openstack_relative_drive",
                kTokenLine + kSeedStart + "OpenStackConfigDrive = mnt/config\n",
                ":3: error: OpenStackConfigDrive: must be an absolute path"},
        BadCase{"relative_default_image", kTokenLine + kSeedStart + "DefaultImage = debian-13.sif\n",
                ":3: error: DefaultImage: \"debian-13.sif\" is not an image: write an http(s):// "
                "URL or an absolute path of a .sif, ospool:NAME, or none"},
        BadCase{"unknown_cloud", kTokenLine + kSeedStart + "Cloud = azure\n",
                ":3: error: Cloud: \"azure\" is not a supported cloud"},
        BadCase{"key_id_without_secret",
                kTokenLine + kSeedStart + "Cloud = ec2\nEC2AccessKeyID = AKIDEXAMPLE\n",
                ":4: error: EC2AccessKeyID: given without EC2SecretAccessKey; set both or "
                "neither"},
        BadCase{"secret_without_key_id",
                kTokenLine + kSeedStart + "EC2SecretAccessKey = " + kAwsSecret + "\n",
                ":3: error: EC2SecretAccessKey: given without EC2AccessKeyID; set both or "
                "neither"},
        BadCase{"empty_secret", kTokenLine + kSeedStart + "EC2SecretAccessKey =\n",
                ":3: error: EC2SecretAccessKey: must not be empty"},
        BadCase{"bad_gce_url", kTokenLine + kSeedStart + "GCEMetadataURL = metadata\n",
                ":3: error: GCEMetadataURL: \"metadata\" is not an http:// or https:// URL"},
        BadCase{"bad_url", kTokenLine + kSeedStart + "EC2Endpoint = ftp://x\n",
                ":3: error: EC2Endpoint: \"ftp://x\" is not an http:// or https:// URL"},
        BadCase{"relative_command", kTokenLine + kSeedStart + "ShutdownAction = command:x\n",
                "is not a shutdown action"},
        BadCase{"bad_cm", kTokenLine + kSeedStart + "CentralManager = a, a/b\n",
                "CentralManager: \"a/b\" is not host, host:port or host:port?sock=name"},
        BadCase{"control_char", kTokenLine + kSeedStart + "WorkerGroupName = a\tb\n",
                "WorkerGroupName: contains a control character"},
        BadCase{"invalid_utf8", kTokenLine + kSeedStart + "WorkerGroupName = a\xff\n",
                "WorkerGroupName: is not valid UTF-8"},
        BadCase{"bad_port", kTokenLine + kSeedStart + "MetricsPort = 70000\n",
                ":3: error: MetricsPort: \"70000\" is not a port"},
        BadCase{"port_word", kTokenLine + kSeedStart + "MetricsPort = http\n",
                ":3: error: MetricsPort: \"http\" is not a port"},
        BadCase{
            "textfile_not_prom", kTokenLine + kSeedStart + "MetricsTextfile = /tmp/x.txt\n",
            ":3: error: MetricsTextfile: \"/tmp/x.txt\" is not an absolute path ending in .prom"},
        BadCase{"textfile_relative", kTokenLine + kSeedStart + "MetricsTextfile = x.prom\n",
                "MetricsTextfile: \"x.prom\" is not an absolute path"}),
    [](const auto& info) { return std::string(info.param.name); });

// Config injection: each attempt, in each key. A value is either refused with an error naming
// the file, its line and the key, or (free-text labels only) accepted and rendered inert.
struct Injection {
  const char* name;
  std::string value;
  bool inert_in_labels;  // text that QuoteConfigString makes harmless in a label
  std::string error;     // for the value checks every key shares: part of the message
};

const Injection kInjections[] = {
    {"macro", "x $(FULL_HOSTNAME) y", true, ""},
    {"env_macro", "$ENV(HOME)", true, ""},
    {"int_macro", "\"$INT(X)\"", true, ""},
    {"match_macro", "$$(Memory)", true, ""},
    {"heredoc", "@=end", true, ""},
    {"include_text", "include : /etc/passwd", true, ""},
    {"continuation", "x \\", true, ""},
    {"quote_breakout", "a\" || true || \"b", true, ""},
    {"carriage_return", "a\rSTART = True", false, "contains a control character"},
    {"escape_sequence", "a\x1b[2Jb", false, "contains a control character"},
    {"nul", std::string("a\0b", 3), false, "contains a NUL byte"},
    {"invalid_utf8", "caf\xe9", false, "is not valid UTF-8"},
    {"utf16_surrogate", "a\xed\xa0\x80", false, "is not valid UTF-8"},
    {"overlong_slash", "a\xc0\xaf", false, "is not valid UTF-8"},
    {"very_long", std::string(5000, 'x'), false, "is 5000 bytes long; the limit is 4096"},
};

const char* const kInjectedKeys[] = {
    "WorkerGroupName", "GLIDEIN_Site",   "GLIDEIN_ResourceName", "Start",
    "Token",           "CentralManager", "IdleTimeout",          "MaxLifetime",
    "ShutdownAction",  "Cloud",          "EC2MetadataURL",       "EC2Endpoint",
};

bool IsLabel(const std::string& key) {
  return key == "WorkerGroupName" || key == "GLIDEIN_Site" || key == "GLIDEIN_ResourceName";
}

// The seed file with `key` set to `value` on line 3 (Token and Start replace the seed's own).
std::string ConfigWith(const std::string& key, const std::string& value) {
  std::string token = key == "Token" ? "WorkerGroupName = w\n" : kTokenLine;
  std::string start = key == "Start" ? "WorkerGroupName = w\n" : kSeedStart;
  return token + start + key + " = " + value + "\n";
}

class InjectionTest : public ::testing::TestWithParam<std::tuple<const char*, Injection>> {};

TEST_P(InjectionTest, IsRefusedOnItsLineOrRenderedInert) {
  const auto& [key, injection] = GetParam();
  LoadedConfig loaded = ParseConfig(ConfigWith(key, injection.value), "/etc/osg-worker.conf", kNow);
  if (IsLabel(key) && injection.inert_in_labels) {
    ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(Messages(loaded));
    std::string rendered = RenderCondorConfig(loaded.settings, EffectivePool(loaded.settings, 1), kNow);
    EXPECT_THAT(rendered, HasSubstr("\n" + std::string(key) + " = " +
                                    QuoteConfigString(injection.value) + "\n"));
    Settings plain = loaded.settings;
    plain.worker_group_name = plain.glidein_site = plain.glidein_resource_name = "w";
    std::string plain_rendered = RenderCondorConfig(plain, EffectivePool(plain, 1), kNow);
    EXPECT_EQ(std::count(rendered.begin(), rendered.end(), '\n'),
              std::count(plain_rendered.begin(), plain_rendered.end(), '\n'));
    return;
  }
  EXPECT_FALSE(loaded.ok()) << key << " accepted " << ::testing::PrintToString(injection.value);
  std::vector<std::string> on_line;
  for (const Diagnostic& d : loaded.diagnostics) {
    if (d.severity == Diagnostic::Severity::kError && d.file == "/etc/osg-worker.conf" &&
        d.line == 3 && d.key == key) {
      on_line.push_back(d.message);
    }
    EXPECT_THAT(d.ToString(), ::testing::Not(HasSubstr(kToken.substr(20, 40))));
  }
  ASSERT_FALSE(on_line.empty()) << "no error on line 3 for " << key << ": "
                                << ::testing::PrintToString(Messages(loaded));
  if (!injection.error.empty()) {
    EXPECT_THAT(on_line, ElementsAre(HasSubstr(injection.error)));
  }
}

INSTANTIATE_TEST_SUITE_P(EveryKey, InjectionTest,
                         ::testing::Combine(::testing::ValuesIn(kInjectedKeys),
                                            ::testing::ValuesIn(kInjections)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param)) + "_" +
                                  std::get<1>(info.param).name;
                         });

TEST(ParseConfig, LabelsKeepDollarsAndRenderThemInert) {
  LoadedConfig loaded = ParseConfig(
      SeedConfig() + "WorkerGroupName = Bob's $5 workers $(HOME) \"q\" x\\\n", "f", kNow);
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(Messages(loaded));
  EXPECT_EQ(loaded.settings.worker_group_name, "Bob's $5 workers $(HOME) \"q\" x\\");
  EXPECT_THAT(RenderCondorConfig(loaded.settings, EffectivePool(loaded.settings, 1), kNow),
              HasSubstr("\nWorkerGroupName = \"Bob's $(DOLLAR)5 workers $(DOLLAR)(HOME) \\\"q\\\" "
                        "x\\\"\n"));
}

TEST(ParseConfig, AValueOfExactlyTheLimitIsAccepted) {
  LoadedConfig loaded = ParseConfig(
      SeedConfig() + "EC2Endpoint = http://" + std::string(4096 - 7, 'e') + "\nCloud = ec2\n", "f",
      kNow);
  EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(Messages(loaded));
}

TEST(ParseConfig, DuplicateKeyWarnsAndTheLastWins) {
  LoadedConfig loaded =
      ParseConfig(SeedConfig() + "WorkerGroupName = Second\n", "/etc/osg-worker.conf", kNow);
  EXPECT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.settings.worker_group_name, "Second");
  EXPECT_THAT(Messages(loaded),
              ::testing::ElementsAre("/etc/osg-worker.conf:4: warning: WorkerGroupName: given "
                                     "again (first on line 1); the last one wins"));
}

TEST(ParseConfig, ReportsEveryProblemNotJustTheFirst) {
  LoadedConfig loaded = ParseConfig("Token = x\nStart = a ==\nBogus = 1\n", "f", kNow);
  EXPECT_EQ(loaded.diagnostics.size(), 3u) << ::testing::PrintToString(Messages(loaded));
}

class ConfigFile : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    path_ = dir_ + "/osg-worker.conf";
  }
  // A drop-in of the config: PATH.d/NAME.
  void WriteDropIn(const std::string& name, const std::string& text) {
    std::filesystem::create_directories(path_ + ".d");
    std::ofstream(path_ + ".d/" + name) << text;
  }
  void Write(const std::string& text, mode_t mode) {
    std::ofstream(path_) << text;
    chmod(path_.c_str(), mode);
  }
  std::string path_;
};

TEST_F(ConfigFile, MissingFileIsAnError) {
  LoadedConfig loaded = LoadConfig(dir_ + "/absent.conf", kNow);
  EXPECT_THAT(Messages(loaded),
              ::testing::ElementsAre(dir_ + "/absent.conf: error: cannot read the file: No such "
                                            "file or directory"));
}

TEST_F(ConfigFile, WorldReadableTokenWarns) {
  Write(SeedConfig(), 0644);
  LoadedConfig loaded = LoadConfig(path_, kNow);
  EXPECT_TRUE(loaded.ok());
  EXPECT_THAT(Messages(loaded), ::testing::ElementsAre(HasSubstr(
                                    "warning: Token: the file holds a token and is readable by "
                                    "other users; run: chmod 600")));
}

TEST_F(ConfigFile, WorldReadableCloudSecretWarns) {
  Write(SeedConfig() + "EC2AccessKeyID = AKIDEXAMPLE\nEC2SecretAccessKey = " + kAwsSecret + "\n",
        0640);
  LoadedConfig loaded = LoadConfig(path_, kNow);
  EXPECT_THAT(Messages(loaded),
              ::testing::Contains(HasSubstr(
                  "warning: EC2SecretAccessKey: the file holds a cloud secret and is readable "
                  "by other users; run: chmod 600")));
  Write(SeedConfig() + "EC2AccessKeyID = AKIDEXAMPLE\nEC2SecretAccessKey = " + kAwsSecret + "\n",
        0600);
  EXPECT_TRUE(LoadConfig(path_, kNow).diagnostics.empty());
  Write(SeedConfig() +
            "Cloud = openstack\nOpenStackAuthURL = https://k.example/v3\n"
            "OpenStackApplicationCredentialID = id1\n"
            "OpenStackApplicationCredentialSecret = " +
            kOpenStackSecret + "\n",
        0640);
  loaded = LoadConfig(path_, kNow);
  EXPECT_TRUE(loaded.ok());
  EXPECT_THAT(Messages(loaded),
              ::testing::Contains(
                  HasSubstr("warning: OpenStackApplicationCredentialSecret: the file holds a cloud "
                            "secret and is readable by other users; run: chmod 600")));
}

TEST_F(ConfigFile, PrivateFileIsQuiet) {
  Write(SeedConfig(), 0600);
  LoadedConfig loaded = LoadConfig(path_, kNow);
  EXPECT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded.diagnostics.empty());
}

// user-data's `cat >/etc/osg-worker.conf <<EOF` as the agent sees it: Token and Start are written
// (already a valid file) while the writer still has Cloud and ShutdownAction to write.
TEST_F(ConfigFile, WhenWrittenWaitsForTheWriterToClose) {
  std::string head = "Token = " + testing::MakeToken(std::time(nullptr) + 3600) +
                     "\nStart = TARGET.ProjectName == \"TG-1\"\n";
  std::string tail = "Cloud = gce\nShutdownAction = poweroff\n";
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t writer = fork();
  ASSERT_GE(writer, 0);
  if (writer == 0) {
    int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    (void)!write(fd, head.data(), head.size());
    (void)!write(ready[1], "x", 1);
    usleep(1000 * 1000);
    (void)!write(fd, tail.data(), tail.size());
    _exit(close(fd) == 0 ? 0 : 1);
  }
  close(ready[1]);
  char byte;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  LoadedConfig loaded = LoadConfigWhenWritten(path_);
  int status = 0;
  waitpid(writer, &status, 0);
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(Messages(loaded));
  EXPECT_EQ(loaded.settings.cloud, "gce");
  EXPECT_EQ(loaded.settings.shutdown_action.kind, ShutdownAction::Kind::kPowerOff);
  EXPECT_TRUE(loaded.diagnostics.empty()) << ::testing::PrintToString(Messages(loaded));
}

TEST_F(ConfigFile, WhenWrittenReadsWhatIsThereOnceTheWriterOutlastsTheLimit) {
  Write(SeedConfig(testing::MakeToken(std::time(nullptr) + 3600)), 0600);
  int fd = open(path_.c_str(), O_WRONLY | O_APPEND);  // a writer that never finishes: this test
  ASSERT_GE(fd, 0);
  LoadedConfig loaded = LoadConfigWhenWritten(path_, std::chrono::milliseconds(300));
  close(fd);
  EXPECT_TRUE(loaded.ok());
  EXPECT_THAT(Messages(loaded),
              ::testing::ElementsAre(HasSubstr(
                  "warning: still open for writing by another process after 0s; read as it is")));
}

TEST(DescribeSettings, ShowsTokenClaimsNeverTheToken) {
  LoadedConfig loaded = ParseConfig(SeedConfig(), "f", kNow);
  std::string summary = DescribeSettings(loaded.settings);
  EXPECT_THAT(summary, HasSubstr("issuer osgpool.test, subject worker@osgpool.test, key id POOL"));
  EXPECT_THAT(summary, ::testing::Not(HasSubstr(kToken)));
  EXPECT_THAT(summary, ::testing::Not(HasSubstr(kToken.substr(kToken.rfind('.') + 1))));
}

}  // namespace
}  // namespace osg

namespace osg {
namespace {

TEST_F(ConfigFile, DropInsGiveDefaultsThatTheMainFileOverrides) {
  Write(SeedConfig() + "IdleTimeout = 5m\n", 0600);
  WriteDropIn("10-site.conf", "IdleTimeout = 10m\nGLIDEIN_Site = SiteA\n");
  WriteDropIn("20-image.conf", "GLIDEIN_Site = SiteB\nMaxLifetime = 3h\n");
  WriteDropIn("README", "not a drop-in: only *.conf files are read\n");
  LoadedConfig loaded = LoadConfig(path_, kNow);
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(Messages(loaded));
  EXPECT_TRUE(loaded.diagnostics.empty()) << "a later file overriding is no warning";
  EXPECT_EQ(loaded.settings.idle_timeout, Seconds(5 * 60)) << "the main file wins";
  EXPECT_EQ(loaded.settings.glidein_site, "SiteB") << "drop-ins in name order";
  EXPECT_EQ(loaded.settings.max_lifetime, Seconds(3 * 3600));
}

TEST_F(ConfigFile, DropInProblemsNameTheDropInAndItsLine) {
  Write(SeedConfig(), 0600);
  WriteDropIn("10-site.conf", "# site defaults\nIdleTimeout = soon\n");
  LoadedConfig loaded = LoadConfig(path_, kNow);
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(Messages(loaded), ElementsAre(HasSubstr(path_ + ".d/10-site.conf:2: error: IdleTimeout: ")));
}

TEST_F(ConfigFile, DropInsThatOthersMayChangeAreRefusedAndHiddenFilesSkipped) {
  Write(SeedConfig(), 0600);
  WriteDropIn(".#10-site.conf", "Bogus = editor lock file\n");
  EXPECT_TRUE(LoadConfig(path_, kNow).ok()) << "a hidden file is no drop-in";
  WriteDropIn("10-site.conf", "IdleTimeout = 10m\n");
  chmod((path_ + ".d/10-site.conf").c_str(), 0664);
  EXPECT_THAT(Messages(LoadConfig(path_, kNow)),
              ElementsAre(path_ + ".d/10-site.conf: error: may be changed by another user than the "
                                  "config's owner; run: chown root: " + path_ +
                          ".d/10-site.conf && chmod 644 " + path_ + ".d/10-site.conf"));
}

TEST_F(ConfigFile, DropInsHoldNoSecret) {
  Write(SeedConfig(), 0600);
  WriteDropIn("10-site.conf", "Token = " + kToken + "\n");
  LoadedConfig loaded = LoadConfig(path_, kNow);
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(Messages(loaded),
              ElementsAre(path_ + ".d/10-site.conf:1: error: Token: a secret does not belong in a "
                                  "drop-in, which every copy of the image carries; set it in the "
                                  "main config file (root-only, removed by prepare-image)"));
  for (const std::string& message : Messages(loaded)) EXPECT_EQ(message.find(kToken), std::string::npos);
}

TEST_F(ConfigFile, DropInsAloneGiveTheImagesSettingsBeforeAnyConfig) {
  WriteDropIn("10-image.conf", "BootTimeout = 4m\n");
  LoadedConfig defaults = LoadDropIns(path_, kNow);  // no main file yet
  ASSERT_TRUE(defaults.ok()) << ::testing::PrintToString(Messages(defaults));
  EXPECT_EQ(defaults.settings.boot_timeout, Seconds(4 * 60));
  WriteDropIn("20-bad.conf", "BootTimeout = 4\n");
  EXPECT_FALSE(LoadDropIns(path_, kNow).ok());
}

TEST_F(ConfigFile, RequiredKeysBelongToTheMainFile) {
  Write("WorkerGroupName = A\n", 0600);
  WriteDropIn("10-site.conf", "Start = Cpus > 0\n");
  LoadedConfig loaded = LoadConfig(path_, kNow);
  EXPECT_THAT(Messages(loaded), ElementsAre(path_ + ": error: Token: missing; this key is required"));
}

}  // namespace
}  // namespace osg
