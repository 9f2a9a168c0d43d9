#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"

namespace osg {

// The OSPool pilot's default images, fetched from the OSPool's image server.
inline constexpr char kOspoolDefaultImage[] = "htc/rocky:9";
inline constexpr char kOspoolDefaultGpuImage[] = "htc/rocky:9-cuda-12.6.0";
inline constexpr char kOspoolImageServer[] = "https://ospool-images-web.nrp-nautilus.io/v2";

// Parses a DefaultImage value: "none", "auto", an absolute path, an http(s) URL, or
// "ospool:NAME". An error message for anything else. "auto" is returned as nullopt with no error:
// EffectiveDefaultImage decides.
struct ParsedImageSource {
  std::optional<ImageSource> source;
  std::string error;
};
ParsedImageSource ParseImageSource(std::string_view value);

// The image a job without one runs in: the configured one, else the OSPool's for the OSPool
// (no CentralManager) and none for any other pool. On a machine with GPUs, as on the OSPool's
// pilots, every such job runs in the GPU image instead: DefaultGPUImage, else the OSPool's CUDA
// image for the OSPool and DefaultImage for any other pool (none when DefaultImage is none).
ImageSource EffectiveDefaultImage(const Settings& settings);
ImageSource EffectiveDefaultGpuImage(const Settings& settings);

// Whether HTCondor's GPU discovery (`condor_gpu_discovery -properties`, the command behind
// `use feature : GPUs`) found a GPU: its DetectedGPUs line names devices rather than 0.
bool DiscoveryFoundGpus(std::string_view discovery_output);

// How a source reads in `check`, `status`, the ad and logs: a URL without its query or fragment,
// which may hold a credential (a presigned URL's signature).
std::string DescribeImageSource(const ImageSource& source);
std::string ImageUrlForDisplay(std::string_view url);

// The OSPool image server's index of an image: a text file naming its newest SIF, which lies
// beside it ("htc/rocky:9" on x86_64 -> .../v2/x86_64/htc__rocky__9/latest.txt).
std::string OspoolImageIndexUrl(std::string_view name, std::string_view arch);

// The operating system inside an image, as the OSPool pilot advertises it (OSG_OS_NAME,
// OSG_OS_VERSION, OSG_OS_STRING): "DEBIAN" "13", "RHEL" "9", "UBUNTU" "24". Read from the
// image's /etc/issue (its first word), /etc/debian_version and /etc/redhat-release; each argument
// is that file's text, or "" when it is absent.
struct ImageOs {
  std::string name = "Unknown";
  std::string version = "0";
  std::string String() const { return name + " " + version; }
  bool operator==(const ImageOs&) const = default;
};
ImageOs ParseImageOs(std::string_view issue, std::string_view debian_version,
                     std::string_view redhat_release);

// True when `head` (a file's first bytes) starts like a SIF: the launch line, then "SIF_MAGIC".
bool LooksLikeSif(std::string_view head);

// What osg-worker found out about the default image (ImagePreparer): ready to run jobs in, or
// why not.
struct ImageReport {
  bool ready = false;
  std::string path;     // the local SIF jobs run in
  std::string problem;  // why it is not ready, one line
  std::string source;   // DescribeImageSource of where it came from
  bool gpu = false;     // the GPU image, chosen because the machine has GPUs
  ImageOs os;
  bool operator==(const ImageReport&) const = default;
};
std::string ImageReportToJson(const ImageReport& report);
std::optional<ImageReport> ImageReportFromJson(std::string_view json);

// The CVMFS repositories mounted on this machine, from the text of /proc/self/mounts: each
// mount point directly under /cvmfs ("/cvmfs/singularity.opensciencegrid.org").
std::vector<std::string> MountedCvmfsRepositories(std::string_view mounts);

inline constexpr char kApptainerPath[] = "/usr/bin/apptainer";

// HTCondor's container settings for the worker: its Apptainer, where a job's sandbox goes, which
// image a job runs in, and the START clause that keeps off jobs whose image cannot run here.
// `default_wanted`: a default image is configured (a job naming none waits for it).
std::string RenderContainerConfig(bool default_wanted, const std::vector<std::string>& cvmfs_repos);

// The default image's state for HTCondor (60-osg-worker-image.conf): before it is ready,
// nothing; once ready, its path and the OSPool's attributes measured in it; when it failed, the
// reason in the ad (OSGWorkerImageProblem).
std::string RenderImageStateConfig(const std::optional<ImageReport>& report);

}  // namespace osg
