#include "container_image.h"

#include <classad/classad_distribution.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <regex>

#include "condor_config.h"
#include "config.h"

namespace osg {
namespace {

TEST(ParseImageSource, AcceptsUrlsPathsOspoolNamesNoneAndAuto) {
  using Kind = ImageSource::Kind;
  struct Case {
    const char* text;
    Kind kind;
    const char* value;
  } cases[] = {
      {"none", Kind::kNone, ""},
      {"NONE", Kind::kNone, ""},
      {"/srv/images/debian.sif", Kind::kPath, "/srv/images/debian.sif"},
      {"http://cm.osgpool.test/images/debian-13.sif", Kind::kUrl,
       "http://cm.osgpool.test/images/debian-13.sif"},
      {"https://example.org/x.sif", Kind::kUrl, "https://example.org/x.sif"},
      {"ospool:htc/rocky:9", Kind::kOspool, "htc/rocky:9"},
  };
  for (const Case& c : cases) {
    ParsedImageSource parsed = ParseImageSource(c.text);
    ASSERT_TRUE(parsed.source) << c.text << ": " << parsed.error;
    EXPECT_EQ(parsed.source->kind, c.kind) << c.text;
    EXPECT_EQ(parsed.source->value, c.value) << c.text;
  }
  ParsedImageSource automatic = ParseImageSource("auto");
  EXPECT_FALSE(automatic.source);
  EXPECT_EQ(automatic.error, "");
}

TEST(ParseImageSource, RefusesWhatIsNeitherAUrlNorAnAbsolutePath) {
  for (const char* text : {"debian-13.sif", "ftp://example.org/x.sif", "docker://rocky:9",
                           "/srv/my image.sif", "ospool:", "ospool:../etc/passwd",
                           "ospool:htc/rocky 9"}) {
    ParsedImageSource parsed = ParseImageSource(text);
    EXPECT_FALSE(parsed.source) << text;
    EXPECT_NE(parsed.error, "") << text;
  }
  EXPECT_NE(ParseImageSource("debian-13.sif").error.find("http(s):// URL or an absolute path"),
            std::string::npos);
  // A credential in the URL would be shown everywhere the source is; its value is not repeated.
  ParsedImageSource with_password = ParseImageSource("https://bob:s3cret@example.org/x.sif");
  EXPECT_FALSE(with_password.source);
  EXPECT_EQ(with_password.error.find("s3cret"), std::string::npos);
  EXPECT_TRUE(ParseImageSource("https://example.org/a@b.sif").source);  // '@' in the path is fine
}

TEST(EffectiveDefaultImage, TheOspoolsImageForTheOspoolNoneForOtherPoolsUnlessSet) {
  Settings ospool;
  EXPECT_EQ(EffectiveDefaultImage(ospool), (ImageSource{ImageSource::Kind::kOspool, "htc/rocky:9"}));
  Settings other;
  other.central_managers = {"cm.example.org"};
  EXPECT_EQ(EffectiveDefaultImage(other).kind, ImageSource::Kind::kNone);
  other.default_image = ImageSource{ImageSource::Kind::kUrl, "http://x/y.sif"};
  EXPECT_EQ(EffectiveDefaultImage(other), *other.default_image);
  ospool.default_image = ImageSource{};
  EXPECT_EQ(EffectiveDefaultImage(ospool).kind, ImageSource::Kind::kNone);
}

TEST(EffectiveDefaultGpuImage, TheOspoolsCudaImageElseTheDefaultImageNeverWithoutOne) {
  Settings ospool;
  EXPECT_EQ(EffectiveDefaultGpuImage(ospool),
            (ImageSource{ImageSource::Kind::kOspool, "htc/rocky:9-cuda-12.6.0"}));
  Settings other;
  other.central_managers = {"cm.example.org"};
  other.default_gpu_image = ImageSource{ImageSource::Kind::kUrl, "http://x/gpu.sif"};
  EXPECT_EQ(EffectiveDefaultGpuImage(other).kind, ImageSource::Kind::kNone);  // DefaultImage none
  other.default_image = ImageSource{ImageSource::Kind::kUrl, "http://x/cpu.sif"};
  EXPECT_EQ(EffectiveDefaultGpuImage(other).value, "http://x/gpu.sif");
  other.default_gpu_image.reset();
  EXPECT_EQ(EffectiveDefaultGpuImage(other).value, "http://x/cpu.sif");
}

TEST(DiscoveryFoundGpus, ReadsDetectedGpus) {
  EXPECT_TRUE(DiscoveryFoundGpus("DetectedGPUs=\"GPU-a0223334\"\nCommon=[ Capability=1.2; ]\n"));
  EXPECT_TRUE(DiscoveryFoundGpus("DetectedGPUs = \"GPU-1, GPU-2\"\n"));
  EXPECT_FALSE(DiscoveryFoundGpus("DetectedGPUs=0\n"));
  EXPECT_FALSE(DiscoveryFoundGpus("DetectedGPUs=\"\"\n"));
  EXPECT_FALSE(DiscoveryFoundGpus(""));
}

TEST(OspoolImageIndexUrl, FlattensTheNameAsTheImageServerDoes) {
  EXPECT_EQ(OspoolImageIndexUrl("htc/rocky:9", "x86_64"),
            "https://ospool-images-web.nrp-nautilus.io/v2/x86_64/htc__rocky__9/latest.txt");
}

TEST(ParseImageOs, ReadsTheOsAsTheOspoolPilotDoes) {
  struct Case {
    const char* issue;
    const char* debian_version;
    const char* redhat_release;
    ImageOs want;
  } cases[] = {
      {"Debian GNU/Linux 13 \\n \\l\n\n", "13.8\n", "", {"DEBIAN", "13"}},
      {"Debian GNU/Linux forky/sid \\n \\l\n", "forky/sid\n", "", {"DEBIAN", "forky_sid"}},
      {"\\S\nKernel \\r on an \\m\n", "", "Rocky Linux release 9.6 (Blue Onyx)\n", {"RHEL", "9"}},
      {"Ubuntu 24.04.1 LTS \\n \\l\n", "trixie/sid\n", "", {"UBUNTU", "24"}},
      {"", "", "", {"Unknown", "0"}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseImageOs(c.issue, c.debian_version, c.redhat_release), c.want) << c.issue;
  }
  EXPECT_EQ(ImageOs({"DEBIAN", "13"}).String(), "DEBIAN 13");
}

TEST(LooksLikeSif, KnowsTheGlobalHeader) {
  std::string launch = "#!/usr/bin/env run-singularity\n";
  launch.resize(32, '\0');
  EXPECT_TRUE(LooksLikeSif(launch + "SIF_MAGIC" + std::string(23, '\0')));
  EXPECT_FALSE(LooksLikeSif("<html><body>404 Not Found</body></html>" + std::string(30, ' ')));
  EXPECT_FALSE(LooksLikeSif(launch + "SIF_MAG"));
  EXPECT_FALSE(LooksLikeSif(""));
}

TEST(ImageReport, RoundTripsThroughJsonAndRefusesBrokenOnes) {
  ImageReport report{true, "/var/cache/osg-worker/images/a.sif", "", "http://x/a.sif", false,
                     {"DEBIAN", "13"}};
  EXPECT_EQ(ImageReportFromJson(ImageReportToJson(report)), report);
  EXPECT_FALSE(ImageReportFromJson("{\"ready\": true, \"path\": \"a.sif\"}"));
  EXPECT_FALSE(ImageReportFromJson("not json"));
  EXPECT_FALSE(ImageReportFromJson("{}"));
}

TEST(MountedCvmfsRepositories, ListsMountsDirectlyUnderCvmfs) {
  std::string mounts =
      "proc /proc proc rw 0 0\n"
      "cvmfs2 /cvmfs/singularity.opensciencegrid.org fuse rw 0 0\n"
      "cvmfs2 /cvmfs/oasis.opensciencegrid.org fuse rw 0 0\n"
      "systemd-1 /cvmfs autofs rw 0 0\n"
      "tmpfs /cvmfs/a/b tmpfs rw 0 0\n"
      "cvmfs2 /cvmfs/singularity.opensciencegrid.org fuse rw 0 0\n";
  EXPECT_EQ(MountedCvmfsRepositories(mounts),
            (std::vector<std::string>{"oasis.opensciencegrid.org",
                                      "singularity.opensciencegrid.org"}));
}

// The config's macros expanded as HTCondor does, for the names this file defines.
std::string Expand(const std::string& config, const std::string& name) {
  std::map<std::string, std::string> macros;
  std::regex line(R"(^([A-Za-z_][A-Za-z0-9_]*) = (.*)$)");
  std::smatch m;
  std::istringstream in(config);
  for (std::string text; std::getline(in, text);) {
    if (std::regex_match(text, m, line)) macros[m[1]] = m[2];
  }
  std::string value = macros.at(name);
  for (int round = 0; round < 5; ++round) {
    for (const auto& [macro, text] : macros) {
      std::string ref = "$(" + macro + ")";
      for (size_t at; (at = value.find(ref)) != std::string::npos;) value.replace(at, ref.size(), text);
    }
  }
  return value;
}

// Evaluates OSG_WORKER_IMAGE_RUNS_HERE for a machine and a job, as the startd's START would.
bool RunsHere(const std::string& config, const std::string& machine, const std::string& job) {
  classad::ClassAdParser parser;
  auto* my = parser.ParseClassAd(machine);
  auto* target = parser.ParseClassAd(job);
  EXPECT_TRUE(my && target);
  classad::MatchClassAd match(my, target);
  std::string expr = Expand(config, "OSG_WORKER_IMAGE_RUNS_HERE");
  EXPECT_TRUE(my->Insert("Probe", parser.ParseExpression(expr))) << expr;
  bool result = false;
  EXPECT_TRUE(my->EvaluateAttrBool("Probe", result)) << expr;
  return result;
}

TEST(RenderContainerConfig, NoBlackHoles) {
  const std::string apptainer = "[HasSingularity = true]";
  const std::string broken = "[HasSingularity = false]";
  const std::string sif = "[ContainerImage = \"debian-13.sif\"]";
  const std::string cvmfs = "[SingularityImage = \"/cvmfs/singularity.opensciencegrid.org/htc/rocky:9\"]";
  const std::string bare = "[Cmd = \"/bin/sleep\"]";
  // A default image is wanted and not ready yet (the file's own value): only jobs with an image.
  std::string wanted = RenderContainerConfig(/*default_wanted=*/true, {});
  EXPECT_TRUE(RunsHere(wanted, apptainer, sif));
  EXPECT_FALSE(RunsHere(wanted, broken, sif));
  EXPECT_FALSE(RunsHere(wanted, apptainer, cvmfs));
  EXPECT_FALSE(RunsHere(wanted, apptainer, bare));
  // Ready (60-osg-worker-image.conf's override).
  ImageReport ready{true, "/var/cache/osg-worker/images/a.sif", "", "x", false, {"DEBIAN", "13"}};
  std::string readied = wanted + RenderImageStateConfig(ready);
  EXPECT_TRUE(RunsHere(readied, apptainer, bare));
  // No default image: bare jobs run on the host as before.
  std::string none = RenderContainerConfig(false, {});
  EXPECT_TRUE(RunsHere(none, apptainer, bare));
  EXPECT_TRUE(RunsHere(none, broken, bare));
  // A mounted repository serves its images, and only its own.
  std::string mounted = RenderContainerConfig(false, {"singularity.opensciencegrid.org"});
  EXPECT_TRUE(RunsHere(mounted, apptainer, cvmfs));
  EXPECT_FALSE(RunsHere(mounted, apptainer,
                        "[SingularityImage = \"/cvmfs/unpacked.cern.ch/x\"]"));
  EXPECT_NE(mounted.find("HAS_CVMFS_singularity_opensciencegrid_org = True"), std::string::npos);
  EXPECT_NE(mounted.find("/cvmfs:/cvmfs:ro"), std::string::npos);
}

TEST(RenderImageStateConfig, AdvertisesTheOspoolsNamesOrTheProblem) {
  EXPECT_EQ(RenderImageStateConfig(std::nullopt).find("READY = True"), std::string::npos);
  ImageReport ready{true, "/var/cache/osg-worker/images/a.sif", "", "x", false, {"RHEL", "9"}};
  std::string text = RenderImageStateConfig(ready);
  for (const char* line : {"OSG_OS_STRING = \"RHEL 9\"", "OSGVO_OS_NAME = \"RHEL\"",
                           "OSG_OS_VERSION = \"9\"", "OSG_NODE_VALIDATED = True",
                           "OSG_WORKER_DEFAULT_IMAGE_READY = True",
                           "OSG_WORKER_DEFAULT_IMAGE = \"/var/cache/osg-worker/images/a.sif\""}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
  ImageReport failed;
  failed.problem = "cannot fetch http://x/y.sif: HTTP 404";
  text = RenderImageStateConfig(failed);
  EXPECT_NE(text.find("OSGWorkerImageProblem = \"cannot fetch http://x/y.sif: HTTP 404\""),
            std::string::npos);
  EXPECT_NE(text.find("OSG_NODE_VALIDATED = False"), std::string::npos);
  EXPECT_EQ(text.find("READY = True"), std::string::npos);
}

}  // namespace
}  // namespace osg
