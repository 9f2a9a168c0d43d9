#include "config.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include "start_expr.h"
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

// WorkerGroupName and GLIDEIN_*: any printable text, passed to the worker's ad byte for byte.
// These are escaped, not refused (QuoteConfigString: '"' as \", '$' as $(DOLLAR)), because they
// are free text that owners already fill with anything ("Bob's $5 workers") and the seed's query
// must find them as written.
void CheckLabel(const std::string& value, Problems& problems) {
  if (value.empty()) problems.push_back("must not be empty");
  if (value.size() > 256) problems.push_back("is longer than 256 characters");
  if (value.find('\t') != std::string::npos) problems.push_back("contains a control character");
}

void SetToken(Settings& s, const std::string& value, int64_t now, Problems& problems) {
  s.token = value;
  if (value.empty()) return problems.push_back("must not be empty");
  if (std::any_of(value.begin(), value.end(), [](unsigned char c) { return std::isspace(c); })) {
    return problems.push_back(
        "contains whitespace inside the token (was it wrapped or pasted with a space?); a token is "
        "one unbroken line");
  }
  TokenParseResult parsed = ParseTokenClaims(value);
  if (!parsed.claims) return problems.push_back(parsed.error);
  s.token_claims = *parsed.claims;
  if (parsed.claims->expires_at && *parsed.claims->expires_at <= now) {
    problems.push_back("the token expired at " + FormatUtc(*parsed.claims->expires_at) +
                       "; ask the pool's administrators for a new one");
  }
}

void SetDuration(Seconds& field, const std::string& value, Problems& problems) {
  auto duration = ParseDuration(value);
  if (!duration || duration->count() <= 0) {
    return problems.push_back("\"" + value +
                              "\" is not a duration; write a number with a unit: 90s, 25m, 2h, 7d");
  }
  field = *duration;
}

void SetShutdownAction(ShutdownAction& action, const std::string& value, Problems& problems) {
  std::string lower = ToLower(value);
  if (lower == "auto") {
    action = {ShutdownAction::Kind::kAuto, ""};
  } else if (lower == "delete") {
    action = {ShutdownAction::Kind::kDelete, ""};
  } else if (lower == "shelve") {
    action = {ShutdownAction::Kind::kShelve, ""};
  } else if (lower == "poweroff") {
    action = {ShutdownAction::Kind::kPowerOff, ""};
  } else if (lower == "none") {
    action = {ShutdownAction::Kind::kNone, ""};
  } else if (lower.rfind("command:", 0) == 0 && value.size() > 9 && value[8] == '/') {
    action = {ShutdownAction::Kind::kCommand, value.substr(8)};
  } else {
    problems.push_back("\"" + value +
                       "\" is not a shutdown action; use auto, delete, shelve, poweroff, none or "
                       "command:/absolute/path");
  }
}

void SetCentralManager(std::string& field, const std::string& value, Problems& problems) {
  bool valid = !value.empty() && std::all_of(value.begin(), value.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '_';
  });
  if (!valid) {
    return problems.push_back("\"" + value + "\" is not a host name or host:port");
  }
  field = value;
}

void SetUrl(std::string& field, const std::string& value, Problems& problems) {
  bool valid = (value.rfind("http://", 0) == 0 || value.rfind("https://", 0) == 0) &&
               std::none_of(value.begin(), value.end(),
                            [](unsigned char c) { return std::isspace(c) || c < 0x20; });
  if (!valid) return problems.push_back("\"" + value + "\" is not an http:// or https:// URL");
  field = StripTrailingSlash(value);
}

// A cloud credential: one unbroken printable line. A secret's value is never quoted back.
void SetCredential(std::string& field, const std::string& value, bool secret, Problems& problems) {
  if (value.empty()) return problems.push_back("must not be empty");
  if (std::any_of(value.begin(), value.end(),
                  [](unsigned char c) { return c <= 0x20 || c >= 0x7f; })) {
    return problems.push_back(std::string(secret ? "the value" : "\"" + value + "\"") +
                              " holds a space or a character that is not printable ASCII");
  }
  field = value;
}

void SetInterface(std::string& field, const std::string& value, Problems& problems) {
  std::string lower = ToLower(value);
  // "publicURL" is the older spelling that clouds.yaml files and OS_INTERFACE still carry.
  if (lower.ends_with("url")) lower.resize(lower.size() - 3);
  if (lower != "public" && lower != "internal" && lower != "admin") {
    return problems.push_back("\"" + value +
                              "\" is not an endpoint interface; use public, "
                              "internal or admin");
  }
  field = lower;
}

void SetMetricsPort(Settings& s, const std::string& value, int64_t, Problems& problems) {
  if (ToLower(value) == "none") return s.metrics_port.reset();
  bool digits =
      !value.empty() && value.size() <= 5 &&
      std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); });
  int port = digits ? std::stoi(value) : 0;
  if (port < 1 || port > 65535) {
    return problems.push_back("\"" + value + "\" is not a port; use 1-65535, or none");
  }
  s.metrics_port = port;
}

void SetMetricsTextfile(Settings& s, const std::string& value, int64_t, Problems& problems) {
  std::string lower = ToLower(value);
  if (lower == "none") return s.metrics_textfile.clear();
  if (lower == kMetricsTextfileAuto) return void(s.metrics_textfile = kMetricsTextfileAuto);
  bool prom = value.size() > 6 && value.compare(value.size() - 5, 5, ".prom") == 0;
  if (value[0] != '/' || !prom || value.find("/../") != std::string::npos) {
    return problems.push_back(
        "\"" + value +
        "\" is not an absolute path ending in .prom (node_exporter reads only "
        "*.prom); or use auto or none");
  }
  s.metrics_textfile = value;
}

struct KeySpec {
  const char* name;
  void (*apply)(Settings&, const std::string& value, int64_t now, Problems& problems);
  const char* help;  // one line, for the README's reference and `check` output
};

const std::array<KeySpec, 30> kKeys = {{
    {"WorkerGroupName",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       CheckLabel(v, p);
       s.worker_group_name = v;
     },
     "label advertised in the worker's ad"},
    {"Token", SetToken, "the pool's IDTOKEN"},
    {"Start",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       if (v.empty()) return p.push_back("must not be empty");
       for (auto& problem : CheckStartExpression(v)) p.push_back(problem);
       s.start = v;
     },
     "ClassAd expression: which jobs may run"},
    {"CentralManager",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCentralManager(s.central_manager, v, p);
     },
     "the pool's central manager, host or host:port"},
    {"IdleTimeout",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetDuration(s.idle_timeout, v, p);
     },
     "shut down after this long without claims or jobs"},
    {"AcceptWindow",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetDuration(s.accept_window, v, p);
     },
     "accept new jobs for this long after start"},
    {"JoinTimeout",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetDuration(s.join_timeout, v, p);
     },
     "shut down if the pool has not accepted the worker by then"},
    {"BootTimeout",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetDuration(s.boot_timeout, v, p);
     },
     "power off if no worker runs this long after the boot"},
    {"MaxLifetime",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       Seconds lifetime{0};
       SetDuration(lifetime, v, p);
       if (lifetime.count() > 0) s.max_lifetime = lifetime;
     },
     "hard cap on the instance's life"},
    {"RetirementTime",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetDuration(s.retirement_time, v, p);
     },
     "running jobs' grace once MaxLifetime is reached"},
    {"Cloud",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       std::string cloud = ToLower(v);
       if (cloud != "ec2" && cloud != "gce" && cloud != "openstack")
         return p.push_back("\"" + v + "\" is not a supported cloud; use ec2, gce or openstack");
       s.cloud = cloud;
     },
     "whose API deletes the instance: ec2, gce or openstack"},
    {"EC2MetadataURL",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetUrl(s.ec2_metadata_url, v, p);
     },
     "the EC2 instance metadata service (tests override it)"},
    {"EC2Endpoint",
     [](Settings& s, const std::string& v, int64_t, Problems& p) { SetUrl(s.ec2_endpoint, v, p); },
     "the EC2 API endpoint (default: the region's)"},
    {"EC2AccessKeyID",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCredential(s.ec2_access_key_id, v, /*secret=*/false, p);
     },
     "static EC2 access key id, with EC2SecretAccessKey (default: the instance role's)"},
    {"EC2SecretAccessKey",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCredential(s.ec2_secret_access_key, v, /*secret=*/true, p);
     },
     "static EC2 secret access key, with EC2AccessKeyID"},
    {"GCEMetadataURL",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetUrl(s.gce_metadata_url, v, p);
     },
     "the GCE metadata server (tests override it)"},
    {"GCEComputeEndpoint",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetUrl(s.gce_compute_endpoint, v, p);
     },
     "the Compute Engine API endpoint"},
    {"OpenStackAuthURL",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetUrl(s.openstack.auth_url, v, p);
     },
     "Keystone v3 URL for the application credential"},
    {"OpenStackApplicationCredentialID",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCredential(s.openstack.credential_id, v, /*secret=*/false, p);
     },
     "the application credential's id"},
    {"OpenStackApplicationCredentialSecret",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCredential(s.openstack.credential_secret, v, /*secret=*/true, p);
     },
     "the application credential's secret"},
    {"OpenStackRegion",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCredential(s.openstack.region, v, /*secret=*/false, p);
     },
     "the region whose compute endpoint to use"},
    {"OpenStackInterface",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetInterface(s.openstack.interface, v, p);
     },
     "the endpoint interface: public, internal or admin"},
    {"OpenStackCloud",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCredential(s.openstack.cloud, v, /*secret=*/false, p);
     },
     "the cloud's entry in clouds.yaml"},
    {"OpenStackMetadataURL",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetUrl(s.openstack.metadata_url, v, p);
     },
     "the OpenStack metadata service (tests override it)"},
    {"OpenStackConfigDrive",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       if (v.empty() || v[0] != '/') return p.push_back("must be an absolute path");
       s.openstack.config_drive = v;
     },
     "where the config drive is mounted"},
    {"ShutdownAction",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetShutdownAction(s.shutdown_action, v, p);
     },
     "what to do when the work is over"},
    {"GLIDEIN_Site",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       CheckLabel(v, p);
       s.glidein_site = v;
     },
     "site name advertised as GLIDEIN_Site"},
    {"GLIDEIN_ResourceName",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       CheckLabel(v, p);
       s.glidein_resource_name = v;
     },
     "resource name advertised as GLIDEIN_ResourceName"},
    {"MetricsPort", SetMetricsPort, "serve Prometheus metrics on 127.0.0.1:PORT, or none"},
    {"MetricsTextfile", SetMetricsTextfile,
     "node_exporter textfile for the metrics: auto, none, or /absolute/path.prom"},
}};

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

const KeySpec* FindKey(const std::string& key) {
  for (const KeySpec& spec : kKeys) {
    if (ToLower(spec.name) == ToLower(key)) return &spec;
  }
  return nullptr;
}

std::string NearestKey(const std::string& key) {
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const KeySpec& spec : kKeys) {
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

class Parser {
 public:
  Parser(const std::string& path, int64_t now) : path_(path), now_(now) {}

  LoadedConfig Parse(std::string_view text) {
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
    if (seen_.empty() && !HasErrors(result_.diagnostics)) {
      Error(0, "", "the file holds no settings; it needs at least Token and Start");
    } else {
      for (const char* required : {"Token", "Start"}) {
        if (!seen_.count(ToLower(required))) Error(0, required, "missing; this key is required");
      }
      CheckCloud();
      CheckPair("EC2AccessKeyID", "EC2SecretAccessKey");
    }
    return std::move(result_);
  }

 private:
  // Keys that only make sense together: name the missing one on the given one's line.
  void CheckPair(const char* first, const char* second) {
    auto a = seen_.find(ToLower(first)), b = seen_.find(ToLower(second));
    if ((a == seen_.end()) == (b == seen_.end())) return;
    bool has_first = a != seen_.end();
    Error(has_first ? a->second : b->second, has_first ? first : second,
          std::string("given without ") + (has_first ? second : first) + "; set both or neither");
  }

  void Apply(int line_number, const std::string& key, const std::string& value) {
    const KeySpec* spec = FindKey(key);
    if (!spec) {
      std::string nearest = NearestKey(key);
      Error(line_number, key,
            "unknown key" + (nearest.empty() ? std::string() : "; did you mean " + nearest + "?"));
      return;
    }
    auto [it, inserted] = seen_.emplace(ToLower(spec->name), line_number);
    if (!inserted) {
      Warn(line_number, key,
           "given again (first on line " + std::to_string(it->second) + "); the last one wins");
      it->second = line_number;
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
    int action_line = seen_.count("shutdownaction") ? seen_["shutdownaction"] : 0;
    if (s.shutdown_action.kind == ShutdownAction::Kind::kDelete && s.cloud.empty()) {
      Error(action_line, "ShutdownAction",
            "delete needs to know the cloud: add Cloud = ec2, gce or openstack");
    }
    if (s.shutdown_action.kind == ShutdownAction::Kind::kShelve && s.cloud != "openstack") {
      Error(action_line, "ShutdownAction",
            "shelve is an OpenStack action: add Cloud = openstack, or use delete or poweroff");
    }
    std::vector<std::string> given, missing;
    for (const char* key : {"OpenStackAuthURL", "OpenStackApplicationCredentialID",
                            "OpenStackApplicationCredentialSecret"}) {
      (seen_.count(ToLower(key)) ? given : missing).push_back(key);
    }
    if (!given.empty() && !missing.empty()) {
      Error(seen_[ToLower(given.front())], given.front(),
            "an OpenStack credential in this file needs OpenStackAuthURL, "
            "OpenStackApplicationCredentialID and OpenStackApplicationCredentialSecret; missing: " +
                Join(missing, ", "));
    }
    if (s.cloud != "openstack") {
      for (const auto& [key, line] : seen_) {
        if (key.starts_with("openstack")) {
          Warn(line, SpecName(key), "ignored: Cloud is not openstack");
        }
      }
    }
  }

  static std::string SpecName(const std::string& lower_key) {
    const KeySpec* spec = FindKey(lower_key);
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
  void Warn(int line, const std::string& key, const std::string& message) {
    result_.diagnostics.push_back({Diagnostic::Severity::kWarning, path_, line, key, message});
  }

  std::string path_;
  int64_t now_;
  LoadedConfig result_;
  std::map<std::string, int> seen_;  // lower-case key -> line of its last occurrence
};

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

LoadedConfig ParseConfig(std::string_view text, const std::string& path, int64_t now) {
  return Parser(path, now).Parse(text);
}

LoadedConfig LoadConfig(const std::string& path, int64_t now) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    LoadedConfig missing;
    missing.diagnostics.push_back(
        {Diagnostic::Severity::kError, path, 0, "", "cannot read the file: " + ErrnoText()});
    return missing;
  }
  std::stringstream text;
  text << file.rdbuf();
  LoadedConfig loaded = ParseConfig(text.str(), path, now);
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

std::string DescribeSettings(const Settings& s) {
  std::ostringstream out;
  const TokenClaims& t = s.token_claims;
  out << "WorkerGroupName      = " << s.worker_group_name << "\n"
      << "CentralManager       = " << s.central_manager << "\n"
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
  out << "GLIDEIN_Site         = " << s.glidein_site << "\n"
      << "GLIDEIN_ResourceName = " << s.glidein_resource_name << "\n"
      << "MetricsPort          = "
      << (s.metrics_port ? "127.0.0.1:" + std::to_string(*s.metrics_port) : "none") << "\n"
      << "MetricsTextfile      = " << (s.metrics_textfile.empty() ? "none" : s.metrics_textfile)
      << "\n";
  return out.str();
}

}  // namespace osg
