#include "config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <thread>

#include "config_keys.h"
#include "container_image.h"
#include "file_writers.h"
#include "files.h"
#include "pool_endpoints.h"
#include "text.h"

namespace osg {
namespace {

using Problems = std::vector<std::string>;

// The longest value of any key. A token is a few hundred bytes and a Start expression a line or
// two; anything near this long is a paste gone wrong or an attempt to feed HTCondor's parsers
// text that nobody reviewed.
constexpr size_t kMaxValueBytes = 4096;

// Checked for every value before the key's own check, since some values are rendered into
// HTCondor's configuration and the others into logs and status output. A NUL would cut the
// rendered line short for C readers, and a control character (a lone \r, an escape sequence) hides
// text from the person reading it; no setting needs either. Tab is left to the keys: blank in
// Start, refused in labels. The message never quotes the value: it may be the token.
void CheckValueBytes(const std::string& value, Problems& problems) {
  if (value.size() > kMaxValueBytes) {
    problems.push_back("is " + std::to_string(value.size()) + " bytes long; the limit is " +
                       std::to_string(kMaxValueBytes));
  }
  if (value.find('\0') != std::string::npos) {
    problems.push_back("contains a NUL byte");
  } else if (std::any_of(value.begin(), value.end(),
                         [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; })) {
    problems.push_back("contains a control character");
  }
  if (!IsValidUtf8(value)) problems.push_back("is not valid UTF-8");
}

bool IsIdentifier(const std::string& key) {
  return !key.empty() && std::isalpha(static_cast<unsigned char>(key[0])) &&
         std::all_of(key.begin(), key.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// HTCondor's `include : FILE` and `use CATEGORY : NAME` lines: they would pull in text that this
// file's checks never saw, so they are refused by name rather than as a line without '='.
bool IsConfigDirective(const std::string& line) {
  for (std::string_view directive : {"include", "use"}) {
    if (line.size() > directive.size() && ToLower(line.substr(0, directive.size())) == directive &&
        (std::isspace(static_cast<unsigned char>(line[directive.size()])) ||
         line[directive.size()] == ':')) {
      return true;
    }
  }
  return false;
}

std::string NearestKey(const std::string& key) {
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const ConfigKey& spec : ConfigKeys()) {
    std::string name = ToLower(spec.name);
    size_t distance = EditDistance(ToLower(key), name);
    // More edits than a third of the name is no useful suggestion.
    size_t limit = std::max<size_t>(2, std::max(key.size(), name.size()) / 3);
    if (distance <= limit && distance < best_distance) {
      best_distance = distance;
      best = spec.name;
    }
  }
  return best;
}

// Parses one or more files into one set of settings: the drop-ins of FILE.d first, then FILE,
// each later file overriding the keys it sets. Messages name the file and line.
class Parser {
 public:
  explicit Parser(int64_t now) : now_(now) {}

  // `drop_in`: a file of FILE.d, where secrets are refused (an image carries its drop-ins).
  void ParseFile(std::string_view text, const std::string& path, bool drop_in) {
    path_ = path;
    drop_in_ = drop_in;
    settings_in_file_ = 0;
    int line_number = 0;
    std::string previous_key;
    for (std::string line : SplitLines(text)) {
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF from a Windows editor
      std::string trimmed = Trim(line);
      if (trimmed.empty() || trimmed[0] == '#') continue;
      if (IsConfigDirective(trimmed)) {
        Error(line_number, "",
              "HTCondor's \"" + ToLower(trimmed.substr(0, trimmed.find_first_of(" \t:="))) +
                  "\" lines are not allowed here; this file holds only \"Key = value\" lines");
        continue;
      }
      size_t equals = trimmed.find('=');
      std::string key = equals == std::string::npos ? "" : Trim(trimmed.substr(0, equals));
      bool indented = std::isspace(static_cast<unsigned char>(line[0])) != 0;
      bool no_equals = equals == std::string::npos;
      std::string previous = ToLower(previous_key);
      // A token never holds '='; an expression may ("a == b"), but its words are no key names.
      bool continues = (previous == "token" && (indented || no_equals)) ||
                       (previous == "start" && (indented || no_equals || !IsIdentifier(key)));
      if (continues) {
        // Wrapped by an editor, or HTCondor's multi-line syntax: refuse, never guess. The line
        // itself is not quoted: it may be the rest of a token.
        Error(line_number, previous_key,
              previous_key + " must be on one line; this line continues it");
        continue;
      }
      if (no_equals) {
        Error(line_number, "",
              "expected \"Key = value\"; this line has no '=' (its text is not repeated here, in "
              "case it holds a secret)");
        continue;
      }
      if (key.size() > 1 && key.back() == '@') {  // "Start @= ..." is HTCondor's heredoc syntax
        Error(
            line_number, Trim(key.substr(0, key.size() - 1)),
            "HTCondor's \"@=\" multi-line syntax is not allowed here; write the value on one line");
        continue;
      }
      if (!IsIdentifier(key)) {
        Error(line_number, "", "expected \"Key = value\"; \"" + key + "\" is not a key name");
        continue;
      }
      previous_key = key;
      Apply(line_number, key, Trim(trimmed.substr(equals + 1)));
    }
  }

  // The checks over all files together; `main_path` names the file the required keys belong in.
  LoadedConfig Finish(const std::string& main_path, bool main_file_empty) {
    path_ = main_path;
    if (main_file_empty && !HasErrors(result_.diagnostics)) {
      Error(0, "", "the file holds no settings; it needs at least Token and Start");
    } else {
      for (const ConfigKey& key : ConfigKeys()) {
        if (key.required() && !seen_.count(ToLower(key.name)))
          Error(0, key.name, "missing; this key is required");
      }
      CheckCloud();
      CheckPair("EC2AccessKeyID", "EC2SecretAccessKey");
    }
    return std::move(result_);
  }

  // The drop-ins' settings alone, without the checks that need the main file.
  LoadedConfig Partial() { return std::move(result_); }

  // Whether the last file parsed held any setting.
  bool last_file_empty() const { return settings_in_file_ == 0; }

 private:
  // Where a key was last set.
  struct Where {
    std::string path;
    int line = 0;
  };

  // Keys that only make sense together: name the missing one on the given one's line.
  void CheckPair(const char* first, const char* second) {
    auto a = seen_.find(ToLower(first)), b = seen_.find(ToLower(second));
    if ((a == seen_.end()) == (b == seen_.end())) return;
    bool has_first = a != seen_.end();
    ErrorAt(has_first ? a->second : b->second, has_first ? first : second,
            std::string("given without ") + (has_first ? second : first) + "; set both or neither");
  }

  // Secrets go in the main file, which is root-only and which prepare-image removes; the
  // drop-ins are the image's own and travel with every snapshot.
  static bool IsSecretKey(const std::string& lower_key) {
    return lower_key == "token" || lower_key == "ec2secretaccesskey" ||
           lower_key == "openstackapplicationcredentialsecret";
  }

  void Apply(int line_number, const std::string& key, const std::string& value) {
    const ConfigKey* spec = FindConfigKey(key);
    if (!spec) {
      std::string nearest = NearestKey(key);
      Error(line_number, key,
            "unknown key" + (nearest.empty() ? std::string() : "; did you mean " + nearest + "?"));
      return;
    }
    if (drop_in_ && IsSecretKey(ToLower(spec->name))) {
      Error(line_number, key,
            "a secret does not belong in a drop-in, which every copy of the image carries; set it "
            "in the main config file (root-only, removed by prepare-image)");
      return;
    }
    ++settings_in_file_;
    auto [it, inserted] = seen_.emplace(ToLower(spec->name), Where{path_, line_number});
    if (!inserted) {
      // Across files, a later one overriding an earlier one is the point of drop-ins.
      if (it->second.path == path_) {
        Warn(line_number, key,
             "given again (first on line " + std::to_string(it->second.line) +
                 "); the last one wins");
      }
      it->second = Where{path_, line_number};
    }
    Problems problems;
    CheckValueBytes(value, problems);
    if (problems.empty()) spec->apply(result_.settings, value, now_, problems);
    for (const std::string& problem : problems) Error(line_number, key, problem);
  }

  // Checks that need several keys: the shutdown action against the cloud, and the OpenStack
  // credential given completely or not at all.
  void CheckCloud() {
    const Settings& s = result_.settings;
    Where action = seen_.count("shutdownaction") ? seen_["shutdownaction"] : Where{path_, 0};
    if (s.shutdown_action.kind == ShutdownAction::Kind::kDelete && s.cloud.empty()) {
      ErrorAt(action, "ShutdownAction",
              "delete needs to know the cloud: add Cloud = ec2, gce or openstack");
    }
    if (s.shutdown_action.kind == ShutdownAction::Kind::kShelve && s.cloud != "openstack") {
      ErrorAt(action, "ShutdownAction",
              "shelve is an OpenStack action: add Cloud = openstack, or use delete or poweroff");
    }
    std::vector<std::string> given, missing;
    for (const char* key : {"OpenStackAuthURL", "OpenStackApplicationCredentialID",
                            "OpenStackApplicationCredentialSecret"}) {
      (seen_.count(ToLower(key)) ? given : missing).push_back(key);
    }
    if (!given.empty() && !missing.empty()) {
      ErrorAt(seen_[ToLower(given.front())], given.front(),
            "an OpenStack credential in this file needs OpenStackAuthURL, "
            "OpenStackApplicationCredentialID and OpenStackApplicationCredentialSecret; missing: " +
                Join(missing, ", "));
    }
    if (s.cloud != "openstack") {
      for (const auto& [key, where] : seen_) {
        if (key.starts_with("openstack")) {
          result_.diagnostics.push_back({Diagnostic::Severity::kWarning, where.path, where.line,
                                         SpecName(key), "ignored: Cloud is not openstack"});
        }
      }
    }
  }

  static std::string SpecName(const std::string& lower_key) {
    const ConfigKey* spec = FindConfigKey(lower_key);
    return spec ? spec->name : lower_key;
  }

  static std::string Join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string out;
    for (const std::string& part : parts) out += (out.empty() ? "" : separator) + part;
    return out;
  }

  void Error(int line, const std::string& key, const std::string& message) {
    result_.diagnostics.push_back({Diagnostic::Severity::kError, path_, line, key, message});
  }
  void ErrorAt(const Where& where, const std::string& key, const std::string& message) {
    result_.diagnostics.push_back({Diagnostic::Severity::kError, where.path, where.line, key, message});
  }
  void Warn(int line, const std::string& key, const std::string& message) {
    result_.diagnostics.push_back({Diagnostic::Severity::kWarning, path_, line, key, message});
  }

  int64_t now_;
  std::string path_;  // the file being parsed
  bool drop_in_ = false;
  int settings_in_file_ = 0;
  LoadedConfig result_;
  std::map<std::string, Where> seen_;  // lower-case key -> its last occurrence
};

// The drop-ins of `path`: PATH.d/*.conf, in name order.
std::vector<std::string> DropInPaths(const std::string& path) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path + ".d", ec)) {
    std::string name = entry.path().filename().string();
    // Hidden names are editors' lock and backup files, not drop-ins.
    if (entry.path().extension() == ".conf" && !name.starts_with(".")) {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace

std::string ShutdownAction::ToString() const {
  switch (kind) {
    case Kind::kAuto:
      return "auto";
    case Kind::kDelete:
      return "delete";
    case Kind::kShelve:
      return "shelve";
    case Kind::kPowerOff:
      return "poweroff";
    case Kind::kNone:
      return "none";
    case Kind::kCommand:
      return "command:" + command;
  }
  return "?";
}

LoadedConfig ParseConfig(std::string_view text, const std::string& path, int64_t now,
                         const std::vector<DropIn>& drop_ins) {
  Parser parser(now);
  for (const DropIn& drop_in : drop_ins) parser.ParseFile(drop_in.text, drop_in.path, true);
  parser.ParseFile(text, path, false);
  return parser.Finish(path, parser.last_file_empty());
}

namespace {

// Reads PATH.d/*.conf; false (and the problem in `problem`) if one cannot be read or is not
// root's alone to change: a drop-in may name a shutdown command, which runs as root.
bool ReadDropIns(const std::string& path, std::vector<DropIn>& drop_ins, LoadedConfig& problem) {
  for (const std::string& drop_in_path : DropInPaths(path)) {
    struct stat info {};
    if (stat(drop_in_path.c_str(), &info) == 0 &&
        ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0 || info.st_uid != geteuid())) {
      problem.diagnostics.push_back(
          {Diagnostic::Severity::kError, drop_in_path, 0, "",
           "may be changed by another user than the config's owner; run: chown root: " +
               drop_in_path + " && chmod 644 " + drop_in_path});
      return false;
    }
    std::optional<std::string> text = ReadFile(drop_in_path);
    if (!text) {
      problem.diagnostics.push_back({Diagnostic::Severity::kError, drop_in_path, 0, "",
                                     "cannot read the file: " + ErrnoText()});
      return false;
    }
    drop_ins.push_back({drop_in_path, *text});
  }
  return true;
}

}  // namespace

LoadedConfig LoadDropIns(const std::string& path, int64_t now) {
  std::vector<DropIn> drop_ins;
  LoadedConfig problem;
  if (!ReadDropIns(path, drop_ins, problem)) return problem;
  Parser parser(now);
  for (const DropIn& drop_in : drop_ins) parser.ParseFile(drop_in.text, drop_in.path, true);
  return parser.Partial();
}

LoadedConfig LoadConfig(const std::string& path, int64_t now) {
  std::vector<DropIn> drop_ins;
  LoadedConfig unreadable;
  if (!ReadDropIns(path, drop_ins, unreadable)) return unreadable;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    LoadedConfig missing;
    missing.diagnostics.push_back(
        {Diagnostic::Severity::kError, path, 0, "", "cannot read the file: " + ErrnoText()});
    return missing;
  }
  std::stringstream text;
  text << file.rdbuf();
  LoadedConfig loaded = ParseConfig(text.str(), path, now, drop_ins);
  struct stat info {};
  bool shared = stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRGRP | S_IROTH));
  if (shared && !loaded.settings.token.empty()) {
    loaded.diagnostics.push_back(
        {Diagnostic::Severity::kWarning, path, 0, "Token",
         "the file holds a token and is readable by other users; run: chmod 600 " + path});
  }
  // The secret itself is never quoted back; the key names it.
  for (const auto& [secret, key] :
       {std::pair{&loaded.settings.ec2_secret_access_key, "EC2SecretAccessKey"},
        std::pair{&loaded.settings.openstack.credential_secret,
                  "OpenStackApplicationCredentialSecret"}}) {
    if (!shared || secret->empty()) continue;
    loaded.diagnostics.push_back(
        {Diagnostic::Severity::kWarning, path, 0, key,
         "the file holds a cloud secret and is readable by other users; run: chmod 600 " + path});
  }
  return loaded;
}

LoadedConfig LoadConfigWhenWritten(const std::string& path, std::chrono::milliseconds writer_limit) {
  bool closed = WaitUntilNoWriter(path, writer_limit);
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    LoadedConfig loaded = LoadConfig(path, std::time(nullptr));
    struct stat info {};
    bool young = stat(path.c_str(), &info) == 0 && std::time(nullptr) - info.st_mtime < 2;
    if (loaded.ok() || !young || std::chrono::steady_clock::now() >= give_up) {
      if (!closed) {
        loaded.diagnostics.push_back(
            {Diagnostic::Severity::kWarning, path, 0, "",
             "still open for writing by another process after " +
                 FormatDuration(std::chrono::duration_cast<Seconds>(writer_limit)) +
                 "; read as it is now"});
      }
      return loaded;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

namespace {

// The collectors and CCB servers the worker will use; the OSPool's suffix is chosen at the
// instance's first start.
std::string DescribePool(const Settings& s) {
  PoolEndpoints pool = EffectivePool(s, 0);
  std::string note;
  if (s.central_managers.empty()) {
    for (auto* list : {&pool.collectors, &pool.ccb}) {
      for (std::string& a : *list) a.replace(a.size() - 1, 1, "N");
    }
    note = " (the OSPool; N from 1 to " + std::to_string(kOspoolCollectorSockets) +
           ", chosen at the instance's first start)";
  }
  return "Collectors           = " + JoinAddresses(pool.collectors) + note + "\n" +
         "CCB servers          = " + JoinAddresses(pool.ccb) + "\n";
}

}  // namespace

std::string DescribeSettings(const Settings& s) {
  std::ostringstream out;
  const TokenClaims& t = s.token_claims;
  out << "WorkerGroupName      = " << s.worker_group_name << "\n"
      << DescribePool(s)
      << "Token                = issuer " << t.issuer << ", subject " << t.subject << ", key id "
      << (t.key_id.empty() ? "(none)" : t.key_id) << ", expires "
      << (t.expires_at ? FormatUtc(*t.expires_at) : "never") << "\n"
      << "Start                = " << s.start << "\n"
      << "IdleTimeout          = " << FormatDuration(s.idle_timeout) << "\n"
      << "AcceptWindow         = " << FormatDuration(s.accept_window) << "\n"
      << "JoinTimeout          = " << FormatDuration(s.join_timeout) << "\n"
      << "BootTimeout          = " << FormatDuration(s.boot_timeout) << "\n"
      << "MaxLifetime          = " << (s.max_lifetime ? FormatDuration(*s.max_lifetime) : "none")
      << "\n"
      << "RetirementTime       = " << FormatDuration(s.retirement_time) << "\n"
      << "ShutdownAction       = " << s.shutdown_action.ToString() << "\n"
      << "ShutdownGrace        = " << FormatDuration(s.shutdown_grace) << "\n"
      << "Cloud                = " << (s.cloud.empty() ? "none" : s.cloud) << "\n";
  if (s.cloud == "openstack") {
    const OpenStackSettings& o = s.openstack;
    // The secret is only said to be there; the credential id is no secret (like an access key id).
    out << "OpenStack credential = "
        << (o.credential_id.empty()
                ? "from OS_* variables or clouds.yaml at run time"
                : "application credential " + o.credential_id + " at " + o.auth_url +
                      (o.credential_secret.empty() ? "" : ", secret set"))
        << "\n"
        << "OpenStackRegion      = " << (o.region.empty() ? "any" : o.region) << "\n"
        << "OpenStackMetadataURL = " << o.metadata_url << "\n";
  }
  if (!s.ec2_access_key_id.empty()) {
    out << "EC2AccessKeyID       = " << s.ec2_access_key_id << " (secret key not shown)\n";
  }
  out << "DefaultImage         = " << DescribeImageSource(EffectiveDefaultImage(s)) << "\n"
      << "DefaultGPUImage      = " << DescribeImageSource(EffectiveDefaultGpuImage(s))
      << " (on a machine with GPUs)\n"
      << "GLIDEIN_Site         = " << s.glidein_site << "\n"
      << "GLIDEIN_ResourceName = " << s.glidein_resource_name << "\n"
      << "GLIDEIN_Country      = " << s.glidein_country << "\n"
      << "MetricsPort          = "
      << (s.metrics_port ? "127.0.0.1:" + std::to_string(*s.metrics_port) : "none") << "\n"
      << "MetricsTextfile      = " << (s.metrics_textfile.empty() ? "none" : s.metrics_textfile)
      << "\n";
  return out.str();
}

}  // namespace osg
