#include "image_preparer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config.h"
#include "files.h"

namespace osg {
namespace {

std::string SifBytes() {
  std::string head = "#!/usr/bin/env run-singularity\n";
  head.resize(32, '\0');
  return head + "SIF_MAGIC" + std::string(200, '\0');
}

const char kDebianSelfTest[] =
    "INFO:    gocryptfs not found\nosg-worker-self-test\nDebian GNU/Linux 13 \\n \\l\n@@\n13.8\n"
    "@@\n";

// A preparer whose network and apptainer are made up; files are real, in a scratch directory.
class ImagePreparerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/osg-image-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    seams_.download = [this](const std::string& url, const std::string& path, uint64_t max_bytes,
                             const std::function<void(uint64_t, uint64_t)>& progress) {
      EXPECT_GT(max_bytes, uint64_t{0});
      downloads_.push_back(url);
      DownloadResult result;
      if (served_.count(url) == 0) {
        result.status = 404;
        result.error = "The requested URL returned error: 404";
        return result;
      }
      std::ofstream(path) << served_[url];
      progress(served_[url].size(), served_[url].size());
      result.status = 200;
      result.bytes = served_[url].size();
      return result;
    };
    seams_.get = [this](const std::string& url) {
      HttpResponse response;
      response.status = served_.count(url) ? 200 : 404;
      response.body = served_.count(url) ? served_[url] : "";
      return response;
    };
    seams_.run = [this](const std::vector<std::string>& argv) {
      runs_.push_back(argv);
      return self_test_;
    };
    seams_.log = [this](const std::string& line) { log_ += line + "\n"; };
    self_test_ = {0, kDebianSelfTest};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Cache() const { return dir_ + "/images"; }
  size_t CachedFiles() const {
    if (!std::filesystem::exists(Cache())) return 0;
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(Cache()),
                                             std::filesystem::directory_iterator()));
  }

  std::string dir_;
  ImagePreparerSeams seams_;
  std::map<std::string, std::string> served_;
  std::vector<std::string> downloads_;
  std::vector<std::vector<std::string>> runs_;
  CommandResult self_test_;
  std::string log_;
};

TEST_F(ImagePreparerTest, FetchesOnceTestsAsNobodyAndReadsTheOs) {
  const std::string url = "http://cm.osgpool.test/images/debian-13.sif";
  served_[url] = SifBytes();
  ImageReport report = PrepareImage({ImageSource::Kind::kUrl, url}, Cache(), seams_);
  ASSERT_TRUE(report.ready) << report.problem;
  EXPECT_EQ(report.os, (ImageOs{"DEBIAN", "13"}));
  EXPECT_EQ(report.path.rfind(Cache() + "/", 0), 0u);
  EXPECT_EQ(ReadFile(report.path), SifBytes());
  ASSERT_EQ(runs_.size(), 1u);
  EXPECT_EQ(runs_[0][0], "runuser");
  EXPECT_EQ(runs_[0][2], "nobody");
  EXPECT_NE(std::find(runs_[0].begin(), runs_[0].end(), report.path), runs_[0].end());
  EXPECT_NE(log_.find("fetched"), std::string::npos);
  // The next start finds it in the cache and tests it again.
  ImageReport again = PrepareImage({ImageSource::Kind::kUrl, url}, Cache(), seams_);
  EXPECT_TRUE(again.ready);
  EXPECT_EQ(downloads_.size(), 1u);
  EXPECT_EQ(runs_.size(), 2u);
}

TEST_F(ImagePreparerTest, AnUnreachableUrlIsAClearProblemAndLeavesNothing) {
  ImageReport report =
      PrepareImage({ImageSource::Kind::kUrl, "http://cm.osgpool.test/missing.sif"}, Cache(), seams_);
  EXPECT_FALSE(report.ready);
  EXPECT_EQ(report.problem,
            "cannot fetch http://cm.osgpool.test/missing.sif: The requested URL returned error: 404");
  EXPECT_EQ(CachedFiles(), 0u);
  EXPECT_TRUE(runs_.empty());
}

TEST_F(ImagePreparerTest, AFileThatIsNotASifIsRefusedAndNotCached) {
  const std::string url = "http://cm.osgpool.test/images/index.html";
  served_[url] = "<html>" + std::string(100, 'x') + "</html>";
  ImageReport report = PrepareImage({ImageSource::Kind::kUrl, url}, Cache(), seams_);
  EXPECT_FALSE(report.ready);
  EXPECT_NE(report.problem.find("is not a SIF image"), std::string::npos) << report.problem;
  EXPECT_EQ(CachedFiles(), 0u);
}

TEST_F(ImagePreparerTest, AFailedSelfTestMeansNotReady) {
  const std::string url = "http://cm.osgpool.test/images/debian-13.sif";
  served_[url] = SifBytes();
  self_test_ = {255, "FATAL: could not open image"};
  ImageReport report = PrepareImage({ImageSource::Kind::kUrl, url}, Cache(), seams_);
  EXPECT_FALSE(report.ready);
  EXPECT_NE(report.problem.find("self-test"), std::string::npos) << report.problem;
  EXPECT_NE(report.problem.find("exit status 255"), std::string::npos) << report.problem;
}

TEST_F(ImagePreparerTest, TheOspoolIndexNamesTheNewestImage) {
  const std::string dir = "https://ospool-images-web.nrp-nautilus.io/v2/x86_64/htc__rocky__9/";
  served_[dir + "latest.txt"] = "htc__rocky__9__2025-11-20.sif\n";
  served_[dir + "htc__rocky__9__2025-11-20.sif"] = SifBytes();
  self_test_ = {0, "osg-worker-self-test\n\\S\n@@\n@@\nRocky Linux release 9.6 (Blue Onyx)\n"};
  ImageReport report = PrepareImage({ImageSource::Kind::kOspool, "htc/rocky:9"}, Cache(), seams_);
  ASSERT_TRUE(report.ready) << report.problem;
  EXPECT_EQ(report.os.String(), "RHEL 9");
  EXPECT_EQ(report.source, "ospool:htc/rocky:9");
}

TEST_F(ImagePreparerTest, ACachedCopyThatFailsItsSelfTestIsFetchedOnceMore) {
  const std::string url = "http://cm.osgpool.test/images/debian-13.sif";
  served_[url] = SifBytes();
  ASSERT_TRUE(PrepareImage({ImageSource::Kind::kUrl, url}, Cache(), seams_).ready);
  int tests = 0;
  seams_.run = [&](const std::vector<std::string>& argv) -> CommandResult {
    runs_.push_back(argv);
    return ++tests == 1 ? CommandResult{255, ""} : self_test_;  // the cached copy is damaged
  };
  ImageReport report = PrepareImage({ImageSource::Kind::kUrl, url}, Cache(), seams_);
  EXPECT_TRUE(report.ready) << report.problem;
  EXPECT_EQ(downloads_.size(), 2u);
  EXPECT_NE(log_.find("failed its self-test; fetching it again"), std::string::npos);
}

TEST_F(ImagePreparerTest, AQueryStringIsNeverShown) {
  const std::string url = "https://bucket.example/x.sif?X-Amz-Signature=abcdef0123";
  ImageReport report = PrepareImage({ImageSource::Kind::kUrl, url}, Cache(), seams_);
  EXPECT_FALSE(report.ready);
  EXPECT_EQ(report.problem.find("abcdef0123"), std::string::npos) << report.problem;
  EXPECT_EQ(report.source.find("abcdef0123"), std::string::npos) << report.source;
  EXPECT_EQ(log_.find("abcdef0123"), std::string::npos) << log_;
  EXPECT_NE(report.problem.find("https://bucket.example/x.sif?[query not shown]"), std::string::npos);
}

TEST_F(ImagePreparerTest, AnOspoolIndexNamingNoFileIsRefused) {
  served_["https://ospool-images-web.nrp-nautilus.io/v2/x86_64/htc__rocky__9/latest.txt"] =
      "../../../etc/passwd";
  ImageReport report = PrepareImage({ImageSource::Kind::kOspool, "htc/rocky:9"}, Cache(), seams_);
  EXPECT_FALSE(report.ready);
  EXPECT_NE(report.problem.find("names no image file"), std::string::npos) << report.problem;
  EXPECT_TRUE(downloads_.empty());
}

TEST_F(ImagePreparerTest, ALocalPathMustBeASif) {
  ImageReport missing = PrepareImage({ImageSource::Kind::kPath, dir_ + "/none.sif"}, Cache(), seams_);
  EXPECT_FALSE(missing.ready);
  EXPECT_NE(missing.problem.find("missing or not a SIF"), std::string::npos);
  std::ofstream(dir_ + "/mine.sif") << SifBytes();
  ImageReport mine = PrepareImage({ImageSource::Kind::kPath, dir_ + "/mine.sif"}, Cache(), seams_);
  EXPECT_TRUE(mine.ready) << mine.problem;
  EXPECT_EQ(mine.path, dir_ + "/mine.sif");
}

TEST_F(ImagePreparerTest, AMachineWithGpusRunsTheGpuImage) {
  Settings settings;
  settings.central_managers = {"cm.osgpool.test"};
  settings.default_image = ImageSource{ImageSource::Kind::kUrl, "http://cm/cpu.sif"};
  settings.default_gpu_image = ImageSource{ImageSource::Kind::kUrl, "http://cm/gpu.sif"};
  served_["http://cm/cpu.sif"] = SifBytes();
  served_["http://cm/gpu.sif"] = SifBytes();
  std::string discovery = "DetectedGPUs=0\n";
  seams_.run = [&](const std::vector<std::string>& argv) -> CommandResult {
    runs_.push_back(argv);
    if (argv.back().find("condor_config_val GPU_DISCOVERY_EXTRA") != std::string::npos) {
      return {0, "-simulate:0,1\n"};
    }
    if (argv[0].find("condor_gpu_discovery") != std::string::npos) return {0, discovery};
    return self_test_;
  };
  ImageReport plain = PrepareDefaultImage(settings, Cache(), seams_);
  EXPECT_FALSE(plain.gpu);
  EXPECT_EQ(plain.source, "http://cm/cpu.sif");
  // The discovery ran with the configuration's GPU_DISCOVERY_EXTRA, as the startd runs it.
  EXPECT_EQ(runs_[1], (std::vector<std::string>{"/usr/libexec/condor/condor_gpu_discovery",
                                                "-properties", "-simulate:0,1"}));
  discovery = "DetectedGPUs=\"GPU-a0223334\"\n";
  ImageReport gpu = PrepareDefaultImage(settings, Cache(), seams_);
  EXPECT_TRUE(gpu.ready) << gpu.problem;
  EXPECT_TRUE(gpu.gpu);
  EXPECT_EQ(gpu.source, "http://cm/gpu.sif");
}

TEST(ParseSelfTestOutput, NeedsTheMarkerAndBothSections) {
  EXPECT_EQ(ParseSelfTestOutput(kDebianSelfTest), (ImageOs{"DEBIAN", "13"}));
  EXPECT_FALSE(ParseSelfTestOutput("Debian GNU/Linux 13\n@@\n13\n@@\n"));
  EXPECT_FALSE(ParseSelfTestOutput("osg-worker-self-test\nDebian\n"));
}

}  // namespace
}  // namespace osg
