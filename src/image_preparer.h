#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config.h"
#include "container_image.h"
#include "http.h"
#include "subprocess.h"

namespace osg {

// Where cached images live: readable by the slot users that jobs run as (HTCondor's starter
// hands the path to apptainer as the job's user), writable by root alone.
inline constexpr char kImageCacheDir[] = "/var/cache/osg-worker/images";

// The world an ImagePreparer works in: the network, commands, files and the log.
struct ImagePreparerSeams {
  // Streams a URL into a file (DownloadFile), at most `max_bytes`; `progress` gets bytes so far
  // and the total.
  std::function<DownloadResult(const std::string& url, const std::string& path, uint64_t max_bytes,
                               const std::function<void(uint64_t, uint64_t)>& progress)>
      download;
  // A small GET (the OSPool's image index).
  std::function<HttpResponse(const std::string& url)> get;
  std::function<CommandResult(const std::vector<std::string>& argv)> run;
  std::function<void(const std::string& line)> log;
  std::string arch = "x86_64";
};

// Makes the default image ready: fetched once into the cache (a URL, or the OSPool's image
// server), checked to be a SIF, then a self-test that runs a command in it as an unprivileged
// user and reads its operating system the way the OSPool pilot does. The report says why when
// any step fails; nothing here throws or waits without a bound.
ImageReport PrepareImage(const ImageSource& source, const std::string& cache_dir,
                         const ImagePreparerSeams& seams);

// Whether this machine has GPUs, asked as HTCondor's startd does: condor_gpu_discovery with the
// configuration's GPU_DISCOVERY_EXTRA (through `run`).
bool MachineHasGpus(const ImagePreparerSeams& seams);

// The default image for this machine (the GPU image where there are GPUs), made ready.
ImageReport PrepareDefaultImage(const Settings& settings, const std::string& cache_dir,
                                const ImagePreparerSeams& seams);

// The self-test: what runs in the image (as `nobody`, contained), and how its output reads.
std::vector<std::string> SelfTestCommand(const std::string& image_path);
std::optional<ImageOs> ParseSelfTestOutput(const std::string& output);

// The real seams (libcurl, RunCommand with a timeout, stderr).
ImagePreparerSeams RealImagePreparerSeams();

}  // namespace osg
