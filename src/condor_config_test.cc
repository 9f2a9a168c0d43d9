#include "condor_config.h"
#include "pool_endpoints.h"

#include <classad/classad_distribution.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "files.h"
#include "test_token.h"

namespace osg {
namespace {

constexpr int64_t kStart = 1800000000;

Settings SeedSettings() {
  LoadedConfig loaded = ParseConfig(
      "WorkerGroupName = My Test Workers\nToken = " + testing::MakeToken(kStart + 3600) +
          "\nStart = TARGET.ProjectName == \"TG-NNNNNN\"\n",
      "seed", kStart);
  EXPECT_TRUE(loaded.ok());
  return loaded.settings;
}

// Compares with testdata/golden/NAME; OSG_UPDATE_GOLDEN=1 rewrites the file instead.
void ExpectGolden(const std::string& name, const std::string& actual) {
  std::string path = std::string(OSG_TESTDATA_DIR) + "/golden/" + name;
  const char* update = std::getenv("OSG_UPDATE_GOLDEN");
  if (update != nullptr && *update != '\0') {
    ASSERT_TRUE(WriteFileAtomically(path, actual, 0644).ok());
  }
  std::optional<std::string> expected = ReadFile(path);
  ASSERT_TRUE(expected) << "missing golden file " << path;
  EXPECT_EQ(actual, *expected) << "rendering changed; if intended, rerun with OSG_UPDATE_GOLDEN=1";
}

TEST(RenderCondorConfig, SeedMatchesGolden) {
  ExpectGolden("seed.condor.conf", RenderCondorConfig(SeedSettings(), EffectivePool(SeedSettings(), 3), kStart));
}

TEST(RenderCondorConfig, AllKeysMatchGolden) {
  Settings s = SeedSettings();
  s.central_managers = {"10.111.0.2:9618"};
  s.accept_window = std::chrono::hours(2);
  s.worker_group_name = "Quotes \" back\\slash $(MACRO) é";
  s.glidein_site = "Jetstream2";
  s.glidein_resource_name = "IU-Jetstream2";
  ExpectGolden("all-keys.condor.conf", RenderCondorConfig(s, EffectivePool(s, 3), kStart));
}

TEST(RenderCondorConfig, NeverHoldsTheToken) {
  Settings s = SeedSettings();
  EXPECT_THAT(RenderCondorConfig(s, EffectivePool(s, 3), kStart), ::testing::Not(::testing::HasSubstr(s.token)));
}

TEST(RenderCondorConfig, TheOspoolByDefaultBothCollectorsAndCcbWithTheInstancesSocket) {
  std::string text = RenderCondorConfig(SeedSettings(), EffectivePool(SeedSettings(), 7), kStart);
  EXPECT_THAT(text, ::testing::HasSubstr("\nCOLLECTOR_HOST = cm-1.ospool.osg-htc.org?sock=collector7, "
                                         "cm-2.ospool.osg-htc.org?sock=collector7\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("\nCCB_ADDRESS = ccb-1.ospool.osg-htc.org?sock=collector7, "
                                         "ccb-2.ospool.osg-htc.org?sock=collector7\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("\nCONDOR_HOST = cm-1.ospool.osg-htc.org, "
                                         "cm-2.ospool.osg-htc.org\n"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "\nALLOW_NEGOTIATOR = condor@*/cm-1.ospool.osg-htc.org "
                        "condor_pool@*/cm-1.ospool.osg-htc.org condor@*/cm-2.ospool.osg-htc.org "
                        "condor_pool@*/cm-2.ospool.osg-htc.org\n"));
}

// The OSPool matches allocated resources (a Start that restricts jobs to a project) through its
// NEGOTIATOR_ALLOCATED, whose slot constraint requires OSPool =!= True (osg-flock's negotiator
// config): a worker must never advertise OSPool = True.
TEST(RenderCondorConfig, NeverAdvertisesOspool) {
  std::string text = RenderCondorConfig(SeedSettings(), EffectivePool(SeedSettings(), 1), kStart);
  EXPECT_THAT(text, ::testing::Not(::testing::ContainsRegex("(^|\n)OSPool *=")));
  EXPECT_THAT(text, ::testing::Not(::testing::ContainsRegex("ATTRS =[^\n]* OSPool")));
}

TEST(RenderCondorConfig, GpuJobsFirstUnlessTheOwnerSaysOtherwise) {
  Settings s = SeedSettings();
  EXPECT_THAT(RenderCondorConfig(s, EffectivePool(s, 1), kStart),
              ::testing::HasSubstr("\nOSG_WORKER_GPU_JOBS_FIRST = ifThenElse((MY.TotalGPUs ?: 0) > "
                                   "0 && (MY.GPUs ?: 0) > 0, (TARGET.RequestGPUs ?: 0) > 0, True)\n"));
  s.gpu_jobs_first = false;
  EXPECT_THAT(RenderCondorConfig(s, EffectivePool(s, 1), kStart),
              ::testing::HasSubstr("\nOSG_WORKER_GPU_JOBS_FIRST = True\n"));
}

TEST(RenderCondorConfig, AListOfCollectorsEachAlsoTheCcbServer) {
  Settings s = SeedSettings();
  s.central_managers = {"cm.example.org", "cm.example.org:9619?sock=collector2"};
  std::string text = RenderCondorConfig(s, EffectivePool(s, 7), kStart);
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "\nCOLLECTOR_HOST = cm.example.org, cm.example.org:9619?sock=collector2\n"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "\nCCB_ADDRESS = cm.example.org, cm.example.org:9619?sock=collector2\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("\nCONDOR_HOST = cm.example.org\n"));
}

TEST(RenderCondorConfig, AdministrationOnlyLocalNegotiatorOnlyTheCentralManager) {
  Settings s = SeedSettings();
  s.central_managers = {"cm.example.org:9619"};
  std::string text = RenderCondorConfig(s, EffectivePool(s, 3), kStart);
  EXPECT_THAT(text, ::testing::HasSubstr("\nSEC_ADMINISTRATOR_AUTHENTICATION_METHODS = FS\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("\nSEC_ENABLE_REMOTE_ADMINISTRATION = False\n"));
  EXPECT_THAT(text,
              ::testing::HasSubstr(
                  "\nALLOW_NEGOTIATOR = condor@*/cm.example.org condor_pool@*/cm.example.org\n"));
}

TEST(QuoteConfigString, EscapesWhatHTCondorWouldInterpret) {
  EXPECT_EQ(QuoteConfigString("My Test Workers"), "\"My Test Workers\"");
  EXPECT_EQ(QuoteConfigString("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(QuoteConfigString("back\\slash"), "\"back\\slash\"");
  EXPECT_EQ(QuoteConfigString("$(HOSTNAME)"), "\"$(DOLLAR)(HOSTNAME)\"");
}

// What the startd makes of a quoted value: HTCondor's own ClassAd library, in the old syntax that
// it reads config values with (the '$' layer before it is HTCondor's macro expansion).
std::optional<std::string> ReadBackAsHTCondor(const std::string& quoted) {
  classad::ClassAdParser parser;
  parser.SetOldClassAd(true);
  std::unique_ptr<classad::ExprTree> tree(parser.ParseExpression(quoted, /*full=*/true));
  if (!tree) return std::nullopt;
  classad::ClassAd scope;
  tree->SetParentScope(&scope);
  classad::Value value;
  std::string text;
  if (!tree->Evaluate(value) || !value.IsStringValue(text)) return std::nullopt;
  return text;
}

TEST(QuoteConfigString, HTCondorReadsBackExactlyTheText) {
  for (std::string text : {"My Test Workers", "a\"b", "\"", "back\\slash", "trailing\\",
                           "x\\\" ; Foo = \"y", "a\" || true || \"b", "@=end", "include : /x",
                           "# not a comment", "caf\xc3\xa9 \xe2\x9c\x93", ""}) {
    EXPECT_EQ(ReadBackAsHTCondor(QuoteConfigString(text)), text) << QuoteConfigString(text);
  }
}

TEST(RenderStateConfig, AdvertisesPhaseAndTimes) {
  EXPECT_EQ(RenderStateConfig({"Idle", 1800001500, 1800604800, 1800000000}, 7),
            "# Written by osg-worker at every lifecycle change.\n"
            "OSGWorkerState = \"Idle\"\nOSGWorkerShutdownTime = 1800001500\n"
            "OSGWorkerRetireTime = 1800604800\nOSGWorkerIdleSince = 1800000000\n"
            "OSGWorkerAdSerial = 7\n"
            "STARTD_ATTRS = $(STARTD_ATTRS) OSGWorkerState OSGWorkerShutdownTime "
            "OSGWorkerRetireTime OSGWorkerIdleSince OSGWorkerAdSerial\n");
  std::string busy = RenderStateConfig({"Busy", std::nullopt, 1}, 0);
  EXPECT_NE(busy.find("OSGWorkerShutdownTime = undefined"), std::string::npos);
  EXPECT_NE(busy.find("OSGWorkerIdleSince = undefined"), std::string::npos);
}

TEST(InstallCondorConfig, WritesTokenRootOnlyAndClearsAStaleStop) {
  std::string root = std::filesystem::temp_directory_path() / "osg-install-test";
  std::filesystem::remove_all(root);
  CondorPaths paths{root};
  ASSERT_TRUE(WriteFileAtomically(paths.Stopping(), RenderStoppingConfig(), 0644).ok());
  Settings s = SeedSettings();
  ASSERT_TRUE(InstallCondorConfig(paths, s, EffectivePool(s, 3), kStart, 0).ok());
  struct stat info {};
  ASSERT_EQ(stat(paths.Token().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((root + "/etc/condor/tokens.d").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_EQ(ReadFile(paths.Token()), s.token + "\n");
  EXPECT_EQ(ReadFile(paths.Config()), RenderCondorConfig(s, EffectivePool(s, 3), kStart));
  EXPECT_FALSE(std::filesystem::exists(paths.Stopping()));
  std::filesystem::remove_all(root);
}

// A kill in the middle of a write leaves the temporary file. Before temp names began with '.',
// HTCondor read "90-osg-worker-stopping.conf.tmp.N" as configuration, and START stayed off on
// every later start.
TEST(InstallCondorConfig, RemovesTempFilesThatAKilledWriteLeft) {
  std::string root = std::filesystem::temp_directory_path() / "osg-install-leftover-test";
  std::filesystem::remove_all(root);
  CondorPaths paths{root};
  std::string old_style = paths.Stopping() + ".tmp.4242";
  std::string config_temp = TempPathFor(paths.Config(), 4243);
  std::string token_temp = TempPathFor(paths.Token(), 4244);
  std::string admin = root + "/etc/condor/config.d/10-admin.conf";
  for (const std::string& path : {old_style, config_temp, token_temp, admin}) {
    ASSERT_TRUE(WriteFileAtomically(path, "OSG_WORKER_ACCEPTING = False\n", 0600).ok());
  }
  ASSERT_TRUE(InstallCondorConfig(paths, SeedSettings(), EffectivePool(SeedSettings(), 3), kStart, 0).ok());
  EXPECT_FALSE(std::filesystem::exists(old_style));
  EXPECT_FALSE(std::filesystem::exists(config_temp));
  EXPECT_FALSE(std::filesystem::exists(token_temp));
  EXPECT_TRUE(std::filesystem::exists(admin));
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace osg
