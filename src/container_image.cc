#include "container_image.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

#include "condor_config.h"
#include "json_fields.h"
#include "text.h"

namespace osg {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool HasSpaceOrControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isspace(c) || c < 0x20 || c == 0x7f; });
}

// The pilot's version cleaning: no whitespace, '/' as '_', and nothing from the first '.' or '-'.
std::string CleanVersion(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    if (c == '.' || c == '-') break;
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    out += c == '/' ? '_' : c;
  }
  return out;
}

// The first run of digits (with dots) in `text`, as "24.04" in "Ubuntu 24.04.1 LTS".
std::string FirstNumber(std::string_view text) {
  size_t start = text.find_first_of("0123456789");
  if (start == std::string_view::npos) return "";
  size_t end = text.find_first_not_of("0123456789.", start);
  return std::string(text.substr(start, end - start));
}

}  // namespace

ParsedImageSource ParseImageSource(std::string_view value) {
  std::string text = Trim(value);
  std::string lower = ToLower(text);
  if (lower == "auto") return {};
  if (lower == "none") return {ImageSource{ImageSource::Kind::kNone, ""}, ""};
  if (HasSpaceOrControl(text)) {
    return {std::nullopt, "\"" + text + "\" holds a space or a control character"};
  }
  if (StartsWith(lower, "ospool:")) {
    std::string name = text.substr(7);
    if (name.empty() || name.find("..") != std::string::npos ||
        !std::all_of(name.begin(), name.end(), [](unsigned char c) {
          return std::isalnum(c) || c == '/' || c == ':' || c == '.' || c == '-' || c == '_';
        })) {
      return {std::nullopt, "\"" + text + "\" does not name an OSPool image (ospool:htc/rocky:9)"};
    }
    return {ImageSource{ImageSource::Kind::kOspool, name}, ""};
  }
  if (StartsWith(lower, "http://") || StartsWith(lower, "https://")) {
    // The URL is shown in `status`, the ad and the log: it must hold no credential.
    std::string authority = text.substr(text.find("//") + 2);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (authority.find('@') != std::string::npos) {
      return {std::nullopt,
              "the URL holds a user name or password, which status, the log and the ad would "
              "show: serve the image without credentials"};
    }
    return {ImageSource{ImageSource::Kind::kUrl, text}, ""};
  }
  if (StartsWith(text, "/")) return {ImageSource{ImageSource::Kind::kPath, text}, ""};
  return {std::nullopt, "\"" + text +
                            "\" is not an image: write an http(s):// URL or an absolute path of "
                            "a .sif, ospool:NAME, or none"};
}

ImageSource EffectiveDefaultImage(const Settings& s) {
  if (s.default_image) return *s.default_image;
  if (!s.central_managers.empty()) return {};
  return {ImageSource::Kind::kOspool, kOspoolDefaultImage};
}

ImageSource EffectiveDefaultGpuImage(const Settings& s) {
  // Without a default image, jobs that name none run on the host, GPUs or not.
  if (EffectiveDefaultImage(s).kind == ImageSource::Kind::kNone) return {};
  if (s.default_gpu_image) return *s.default_gpu_image;
  if (s.default_image || !s.central_managers.empty()) return EffectiveDefaultImage(s);
  return {ImageSource::Kind::kOspool, kOspoolDefaultGpuImage};
}

bool DiscoveryFoundGpus(std::string_view output) {
  for (const std::string& line : SplitLines(output)) {
    size_t equals = line.find('=');
    if (equals == std::string::npos || Trim(line.substr(0, equals)) != "DetectedGPUs") continue;
    std::string value = Trim(line.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = Trim(value.substr(1, value.size() - 2));
    }
    return !value.empty() && value != "0";
  }
  return false;
}

std::string ImageUrlForDisplay(std::string_view url) {
  size_t cut = url.find_first_of("?#");
  if (cut == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, cut)) + "?[query not shown]";
}

std::string DescribeImageSource(const ImageSource& source) {
  switch (source.kind) {
    case ImageSource::Kind::kNone:
      return "none (jobs that name no image run on the host)";
    case ImageSource::Kind::kOspool:
      return "ospool:" + source.value;
    case ImageSource::Kind::kPath:
      return source.value;
    case ImageSource::Kind::kUrl:
      return ImageUrlForDisplay(source.value);
  }
  return "";
}

std::string OspoolImageIndexUrl(std::string_view name, std::string_view arch) {
  std::string flat;
  for (char c : name) flat += (c == '/' || c == ':') ? std::string("__") : std::string(1, c);
  return std::string(kOspoolImageServer) + "/" + std::string(arch) + "/" + flat + "/latest.txt";
}

ImageOs ParseImageOs(std::string_view issue, std::string_view debian_version,
                     std::string_view redhat_release) {
  ImageOs os;
  std::string first_line = SplitLines(issue).empty() ? "" : SplitLines(issue).front();
  std::string first_word = Trim(first_line.substr(0, first_line.find(' ')));
  std::transform(first_word.begin(), first_word.end(), first_word.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  std::string version;
  if (first_word == "UBUNTU") {
    os.name = "UBUNTU";
    version = FirstNumber(first_line);
  } else if (!debian_version.empty()) {
    os.name = "DEBIAN";
    version = Trim(debian_version);
  } else if (!redhat_release.empty()) {
    os.name = "RHEL";
    version = FirstNumber(redhat_release);
  }
  version = CleanVersion(version);
  if (!version.empty()) os.version = version;
  return os;
}

bool LooksLikeSif(std::string_view head) {
  // A SIF's global header: a 32-byte launch line ("#!/usr/bin/env run-singularity\n" padded),
  // then the magic "SIF_MAGIC".
  return head.size() >= 41 && StartsWith(head, "#!") && head.substr(32, 9) == "SIF_MAGIC";
}

std::string ImageReportToJson(const ImageReport& r) {
  nlohmann::ordered_json j;
  j["ready"] = r.ready;
  j["path"] = r.path;
  j["problem"] = r.problem;
  j["source"] = r.source;
  j["gpu"] = r.gpu;
  j["os_name"] = r.os.name;
  j["os_version"] = r.os.version;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<ImageReport> ImageReportFromJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto ready = j.find("ready");
  if (ready == j.end() || !ready->is_boolean()) return std::nullopt;
  ImageReport r;
  r.ready = ready->get<bool>();
  r.path = JsonString(j, "path");
  r.problem = JsonString(j, "problem");
  r.source = JsonString(j, "source");
  auto gpu = j.find("gpu");
  r.gpu = gpu != j.end() && gpu->is_boolean() && gpu->get<bool>();
  r.os.name = JsonString(j, "os_name");
  r.os.version = JsonString(j, "os_version");
  if (r.ready && (r.path.empty() || r.path[0] != '/')) return std::nullopt;
  return r;
}

std::vector<std::string> MountedCvmfsRepositories(std::string_view mounts) {
  std::vector<std::string> repos;
  for (const std::string& line : SplitLines(mounts)) {
    std::istringstream fields(line);
    std::string device, mount_point;
    fields >> device >> mount_point;
    if (!StartsWith(mount_point, "/cvmfs/")) continue;
    std::string repo = mount_point.substr(7);
    // A repository's name is a host name: anything else (a nested mount, an escaped space) is
    // not one.
    if (repo.empty() || !std::all_of(repo.begin(), repo.end(), [](unsigned char c) {
          return std::isalnum(c) || c == '.' || c == '-' || c == '_';
        })) {
      continue;
    }
    if (std::find(repos.begin(), repos.end(), repo) == repos.end()) repos.push_back(repo);
  }
  std::sort(repos.begin(), repos.end());
  return repos;
}

std::string RenderContainerConfig(bool default_wanted, const std::vector<std::string>& cvmfs_repos) {
  // An image under /cvmfs runs here only from a mounted repository (no CVMFS client: none).
  // substr() rather than a regular expression keeps backslashes out of the expression.
  std::string cvmfs_clause = "substr(" "$(OSG_WORKER_JOB_IMAGE), 0, 7) != \"/cvmfs/\"";
  std::string attrs, binds = "/etc/hosts,/etc/localtime";
  for (const std::string& repo : cvmfs_repos) {
    std::string prefix = "/cvmfs/" + repo + "/";
    cvmfs_clause += " || substr($(OSG_WORKER_JOB_IMAGE), 0, " + std::to_string(prefix.size()) +
                    ") == \"" + prefix + "\"";
    std::string name = "HAS_CVMFS_" + repo;
    std::replace(name.begin(), name.end(), '.', '_');
    std::replace(name.begin(), name.end(), '-', '_');
    attrs += name + " = True\nSTARTD_ATTRS = $(STARTD_ATTRS) " + name + "\n";
  }
  if (!cvmfs_repos.empty()) binds += ",/cvmfs:/cvmfs:ro";
  std::ostringstream out;
  out << "\n# Containers: HTCondor's own Apptainer support (Apptainer from Debian unstable, "
         "deploy.sh).\n"
         "# A job runs in the image it names (container_image, +SingularityImage), else in the "
         "worker's\n# default image once osg-worker has fetched and tested it (DefaultImage), "
         "else on the host.\n"
         "# Apptainer is turned on once the worker is in the pool (60-osg-worker-state.conf): the "
         "startd\n# tests it whenever it starts or reconfigures, which at the start would hold "
         "back the first ad\n# by about a second (bench/join_time.sh). Until then this path names "
         "no file.\n"
         "SINGULARITY = /nonexistent/apptainer-once-joined\n"
         "SINGULARITY_TARGET_DIR = /srv\n"
         "SINGULARITY_BIND_EXPR = \""
      << binds
      << "\"\n"
         "OSG_WORKER_DEFAULT_IMAGE_READY = False\n"
         "OSG_WORKER_DEFAULT_IMAGE = undefined\n"
         "SINGULARITY_JOB = (ContainerImage ?: SingularityImage) isnt undefined || "
         "$(OSG_WORKER_DEFAULT_IMAGE_READY)\n"
         "SINGULARITY_IMAGE_EXPR = (ContainerImage ?: SingularityImage) ?: "
         "$(OSG_WORKER_DEFAULT_IMAGE)\n"
         "# No black holes: a job whose image cannot run here does not match, rather than start "
         "and fail.\n"
         "OSG_WORKER_JOB_IMAGE = (TARGET.ContainerImage ?: TARGET.SingularityImage)\n"
         "OSG_WORKER_IMAGE_RUNS_HERE = ifThenElse($(OSG_WORKER_JOB_IMAGE) isnt undefined, "
         "(MY.HasSingularity ?: False) && ("
      << cvmfs_clause << "), "
      << (default_wanted ? "$(OSG_WORKER_DEFAULT_IMAGE_READY)" : "True")
      << ")\n"
         "# The OSPool's names for what HTCondor's own probe found.\n"
         "HAS_SINGULARITY = (HasSingularity ?: False)\n"
         "SINGULARITY_CAN_USE_SIF = (HasSIF ?: False)\n"
         "SINGULARITY_VERSION = SingularityVersion\n"
         "STARTD_ATTRS = $(STARTD_ATTRS) HAS_SINGULARITY SINGULARITY_CAN_USE_SIF "
         "SINGULARITY_VERSION\n"
      << attrs;
  return out.str();
}

std::string RenderImageStateConfig(const std::optional<ImageReport>& report) {
  std::string out = "# Written by osg-worker when its default container image is ready or failed.\n";
  if (!report) return out + "# (not yet)\n";
  if (!report->ready) {
    return out + "OSGWorkerImageProblem = " + QuoteConfigString(report->problem) +
           "\nOSG_NODE_VALIDATED = False\nSTARTD_ATTRS = $(STARTD_ATTRS) OSGWorkerImageProblem "
           "OSG_NODE_VALIDATED\n";
  }
  std::string name = QuoteConfigString(report->os.name);
  std::string version = QuoteConfigString(report->os.version);
  std::string both = QuoteConfigString(report->os.String());
  return out + "OSG_WORKER_DEFAULT_IMAGE_READY = True\nOSG_WORKER_DEFAULT_IMAGE = " +
         QuoteConfigString(report->path) +
         "\n# The operating system inside the default image, as the OSPool pilot measures it.\n"
         "OSG_OS_NAME = " + name + "\nOSG_OS_VERSION = " + version + "\nOSG_OS_STRING = " + both +
         "\nOSGVO_OS_NAME = " + name + "\nOSGVO_OS_VERSION = " + version +
         "\nOSGVO_OS_STRING = " + both +
         "\n# A command ran in the default image at start.\nOSG_NODE_VALIDATED = True\n"
         "STARTD_ATTRS = $(STARTD_ATTRS) OSG_OS_NAME OSG_OS_VERSION OSG_OS_STRING OSGVO_OS_NAME "
         "OSGVO_OS_VERSION OSGVO_OS_STRING OSG_NODE_VALIDATED\n";
}

}  // namespace osg
