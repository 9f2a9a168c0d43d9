#include "image_preparer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sigv4.h"
#include "text.h"

namespace osg {
namespace {

constexpr char kSelfTestMarker[] = "osg-worker-self-test";
constexpr char kSectionBreak[] = "@@";

std::string FileHead(const std::string& path, size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string head(bytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(bytes));
  head.resize(static_cast<size_t>(in.gcount()));
  return head;
}

std::string MiB(uint64_t bytes) {
  char text[32];
  snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

ImageReport Failed(const ImageSource& source, std::string problem) {
  ImageReport report;
  report.source = DescribeImageSource(source);
  report.problem = std::move(problem);
  return report;
}

// Disk left free beside the cache, for jobs and HTCondor: an image may not take it.
constexpr uint64_t kDiskReserve = uint64_t{2} << 30;

std::string CachePath(const std::string& url, const std::string& cache_dir) {
  return cache_dir + "/" + Sha256Hex(url).substr(0, 16) + ".sif";
}

// Makes the file's content durable before the rename that publishes it: a crash must not leave a
// cached image that has its header but not its body.
bool Sync(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = fsync(fd) == 0;
  close(fd);
  return ok;
}

// Fetches `url` into the cache unless a copy is there (`from_cache`). The local path, or "" with
// `problem` set.
std::string FetchIntoCache(const std::string& url, const std::string& cache_dir,
                           const ImagePreparerSeams& seams, bool& from_cache,
                           std::string& problem) {
  std::string path = CachePath(url, cache_dir);
  std::string shown = Shortened(ImageUrlForDisplay(url));
  from_cache = LooksLikeSif(FileHead(path, 64));
  if (from_cache) {
    seams.log("default image: cached at " + path);
    return path;
  }
  std::error_code ec;
  std::filesystem::create_directories(cache_dir, ec);
  chmod(cache_dir.c_str(), 0755);
  struct statvfs disk {};
  uint64_t free_bytes = statvfs(cache_dir.c_str(), &disk) == 0
                            ? static_cast<uint64_t>(disk.f_bavail) * disk.f_frsize
                            : 0;
  if (free_bytes <= kDiskReserve) {
    problem = "only " + MiB(free_bytes) + " free beside " + cache_dir +
              "; an image may not take the last " + MiB(kDiskReserve);
    return "";
  }
  std::string partial = path + ".part";
  seams.log("default image: fetching " + shown);
  DownloadResult result = seams.download(url, partial, free_bytes - kDiskReserve,
                                         [&](uint64_t bytes, uint64_t total) {
    seams.log("default image: " + MiB(bytes) + (total ? " of " + MiB(total) : "") + " fetched");
  });
  if (!result.ok()) {
    std::filesystem::remove(partial, ec);
    problem = "cannot fetch " + shown + ": " + Shortened(result.error);
    return "";
  }
  if (!LooksLikeSif(FileHead(partial, 64))) {
    std::filesystem::remove(partial, ec);
    problem = shown + " is not a SIF image (" + MiB(result.bytes) + " of something else)";
    return "";
  }
  chmod(partial.c_str(), 0644);
  if (!Sync(partial)) {
    std::filesystem::remove(partial, ec);
    problem = "cannot write the image into " + cache_dir + ": " + ErrnoText();
    return "";
  }
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    problem = "cannot keep the image in " + cache_dir + ": " + ec.message();
    return "";
  }
  seams.log("default image: fetched " + MiB(result.bytes) + " into " + path);
  return path;
}

// The OSPool image server names an image's newest SIF in an index beside it.
std::string ResolveOspoolImage(const std::string& name, const ImagePreparerSeams& seams,
                               std::string& problem) {
  std::string index = OspoolImageIndexUrl(name, seams.arch);
  HttpResponse answer = seams.get(index);
  if (!answer.ok()) {
    problem = "cannot read the OSPool image index " + index + ": " +
              (answer.error.empty() ? "HTTP " + std::to_string(answer.status)
                                    : Shortened(answer.error));
    return "";
  }
  std::vector<std::string> lines = SplitLines(answer.body);
  std::string latest = lines.empty() ? "" : Trim(lines.front());
  if (!IsUrlSafeName(latest, 200, "-._")) {
    problem = "the OSPool image index " + index + " names no image file (\"" +
              Shortened(latest) + "\")";
    return "";
  }
  return index.substr(0, index.rfind('/') + 1) + latest;
}

}  // namespace

std::vector<std::string> SelfTestCommand(const std::string& image_path) {
  std::string script = std::string("echo ") + kSelfTestMarker +
                       "; head -n 1 /etc/issue 2>/dev/null; echo " + kSectionBreak +
                       "; cat /etc/debian_version 2>/dev/null; echo " + kSectionBreak +
                       "; cat /etc/redhat-release 2>/dev/null; true";
  // As a job would run: an unprivileged user, nothing of the host's environment or home.
  return {"runuser", "-u",        "nobody",    "--",        "apptainer", "--silent", "exec",
          "--contain", "--cleanenv", "--no-home", image_path, "/bin/sh",   "-c",       script};
}

std::optional<ImageOs> ParseSelfTestOutput(const std::string& output) {
  std::vector<std::string> lines = SplitLines(output);
  auto marker = std::find(lines.begin(), lines.end(), kSelfTestMarker);
  if (marker == lines.end()) return std::nullopt;
  std::vector<std::string> sections(1);
  for (auto it = marker + 1; it != lines.end(); ++it) {
    if (*it == kSectionBreak) {
      sections.emplace_back();
    } else {
      sections.back() += *it + "\n";
    }
  }
  if (sections.size() != 3) return std::nullopt;
  return ParseImageOs(sections[0], sections[1], sections[2]);
}

ImageReport PrepareImage(const ImageSource& source, const std::string& cache_dir,
                         const ImagePreparerSeams& seams) {
  std::string problem, path, url;
  bool from_cache = false;
  switch (source.kind) {
    case ImageSource::Kind::kNone:
      return Failed(source, "no default image is configured");
    case ImageSource::Kind::kPath:
      path = source.value;
      if (!LooksLikeSif(FileHead(path, 64))) {
        return Failed(source, path + " is missing or not a SIF image");
      }
      break;
    case ImageSource::Kind::kOspool:
      url = ResolveOspoolImage(source.value, seams, problem);
      if (url.empty()) return Failed(source, problem);
      path = FetchIntoCache(url, cache_dir, seams, from_cache, problem);
      break;
    case ImageSource::Kind::kUrl:
      url = source.value;
      path = FetchIntoCache(url, cache_dir, seams, from_cache, problem);
      break;
  }
  if (path.empty()) return Failed(source, problem);
  CommandResult test = seams.run(SelfTestCommand(path));
  std::optional<ImageOs> os = test.ok() ? ParseSelfTestOutput(test.output) : std::nullopt;
  if (!os && from_cache) {
    // A cached copy that no longer runs (damaged, or baked into a VM image half-written): once
    // more from the source, rather than failing on every boot.
    seams.log("default image: the cached copy failed its self-test; fetching it again");
    std::error_code ec;
    std::filesystem::remove(path, ec);
    path = FetchIntoCache(url, cache_dir, seams, from_cache, problem);
    if (path.empty()) return Failed(source, problem);
    test = seams.run(SelfTestCommand(path));
    os = test.ok() ? ParseSelfTestOutput(test.output) : std::nullopt;
  }
  if (!os) {
    return Failed(source, "the self-test in " + path + " failed (exit status " +
                              std::to_string(test.exit_status) +
                              "): apptainer could not run a command in it");
  }
  ImageReport report;
  report.ready = true;
  report.path = path;
  report.source = DescribeImageSource(source);
  report.os = *os;
  seams.log("default image: ready, " + report.os.String() + ", " + path);
  return report;
}

bool MachineHasGpus(const ImagePreparerSeams& seams) {
  // Unset, as it is by default, condor_config_val says "Not defined" on its stderr, which is the
  // journal's: that is no problem of the worker's, so it is not shown.
  CommandResult extra =
      seams.run({"sh", "-c", "exec condor_config_val GPU_DISCOVERY_EXTRA 2>/dev/null"});
  std::vector<std::string> argv{"/usr/libexec/condor/condor_gpu_discovery", "-properties"};
  if (extra.ok()) {
    std::istringstream words(extra.output);
    for (std::string word; words >> word;) argv.push_back(word);
  }
  CommandResult discovery = seams.run(argv);
  return discovery.ok() && DiscoveryFoundGpus(discovery.output);
}

ImageReport PrepareDefaultImage(const Settings& settings, const std::string& cache_dir,
                                const ImagePreparerSeams& seams) {
  bool gpus = MachineHasGpus(seams);
  ImageSource source = gpus ? EffectiveDefaultGpuImage(settings) : EffectiveDefaultImage(settings);
  if (gpus) seams.log("default image: this machine has GPUs: " + DescribeImageSource(source));
  ImageReport report = PrepareImage(source, cache_dir, seams);
  report.gpu = gpus;
  return report;
}

ImagePreparerSeams RealImagePreparerSeams() {
  ImagePreparerSeams seams;
  seams.download = [](const std::string& url, const std::string& path, uint64_t max_bytes,
                      const std::function<void(uint64_t, uint64_t)>& progress) {
    return DownloadFile(url, path, max_bytes, std::chrono::seconds(120), std::chrono::hours(1),
                        std::chrono::seconds(10), progress);
  };
  seams.get = [](const std::string& url) {
    HttpRequest request;
    request.url = url;
    request.timeout = std::chrono::seconds(30);
    return SendHttp(request);
  };
  seams.run = [](const std::vector<std::string>& argv) {
    return RunCommand(argv, std::chrono::minutes(5));
  };
  seams.log = [](const std::string& line) { fprintf(stderr, "osg-worker: %s\n", line.c_str()); };
  return seams;
}

}  // namespace osg
