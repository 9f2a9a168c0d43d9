#include "job_firewall.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "files.h"

namespace osg {
namespace {

// Every cloud's metadata service, on every port:
// - 169.254.169.254: EC2, GCE and OpenStack over IPv4.
// - fd00:ec2::254: EC2 over IPv6 (Nitro instances, when the IPv6 endpoint is enabled).
// - fd20:ce::254: GCE's metadata server over IPv6. Google's own pages were not in the reference
//   search we could run; the address is the one Google's metadata clients are pointed at on
//   IPv6-only VMs (GCE_METADATA_HOST) and that many independent SSRF and egress blocklists name
//   as GCP's. Blocking it costs nothing where nothing listens there.
// - fe80::a9fe:a9fe: OpenStack's metadata service over IPv6, since Victoria (Nova's admin guide,
//   "Metadata service": "Guests access the service at 169.254.169.254 or at fe80::a9fe:a9fe";
//   Neutron's release note "metadata-ipv6"). It is link-local: a guest reaches it as
//   fe80::a9fe:a9fe%eth0, and the rule matches the address on whatever interface.
const char* const kLinkLocalMetadata[] = {"169.254.169.254", "fd00:ec2::254", "fd20:ce::254",
                                          "fe80::a9fe:a9fe"};

bool IsIPv4(const std::string& address) {
  in_addr out{};
  return inet_pton(AF_INET, address.c_str(), &out) == 1;
}

bool IsIPv6(const std::string& address) {
  in6_addr out{};
  return inet_pton(AF_INET6, address.c_str(), &out) == 1;
}

// "ip daddr A tcp dport P": a rule's match as nft -f reads it and as `nft list` prints it back.
// "" for an address that is not numeric.
std::string RuleMatch(const BlockedEndpoint& t) {
  std::string family = IsIPv4(t.address) ? "ip" : IsIPv6(t.address) ? "ip6" : "";
  if (family.empty()) return "";
  return family + " daddr " + t.address + (t.port ? " tcp dport " + std::to_string(*t.port) : "");
}

}  // namespace

std::optional<HostPort> UrlHostPort(std::string_view url) {
  HostPort out;
  if (url.rfind("http://", 0) == 0) {
    url.remove_prefix(7);
    out.port = 80;
  } else if (url.rfind("https://", 0) == 0) {
    url.remove_prefix(8);
    out.port = 443;
  } else {
    return std::nullopt;
  }
  std::string_view authority = url.substr(0, url.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no userinfo
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    if (!rest.empty()) port = rest.substr(1);
  } else {
    size_t colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::nullopt;
  if (!port.empty()) {
    int value = 0;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      return std::nullopt;
    }
    out.port = value;
  }
  return out;
}

std::vector<std::string> ResolveHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::vector<std::string> out;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return out;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw =
        a->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if ((a->ai_family == AF_INET || a->ai_family == AF_INET6) &&
        inet_ntop(a->ai_family, raw, text, sizeof text) != nullptr &&
        std::find(out.begin(), out.end(), text) == out.end()) {
      out.emplace_back(text);
    }
  }
  freeaddrinfo(found);
  return out;
}

std::vector<BlockedEndpoint> JobFirewallTargets(const Settings& settings,
                                                const HostResolver& resolve,
                                                std::vector<std::string>* notes) {
  std::vector<BlockedEndpoint> targets;
  for (const char* address : kLinkLocalMetadata) targets.push_back({address, std::nullopt});
  auto covered = [&targets](const BlockedEndpoint& e) {
    return std::any_of(targets.begin(), targets.end(), [&e](const BlockedEndpoint& t) {
      return t.address == e.address && (!t.port || t.port == e.port);
    });
  };
  for (const std::string* url :
       {&settings.ec2_metadata_url, &settings.gce_metadata_url, &settings.openstack.metadata_url}) {
    std::optional<HostPort> where = UrlHostPort(*url);
    if (!where) {
      if (notes) notes->push_back("cannot read a host and port in " + *url);
      continue;
    }
    std::vector<std::string> addresses = resolve(where->host);
    if (addresses.empty() && notes) {
      notes->push_back(where->host +
                       " does not resolve; its metadata URL is not blocked by address");
    }
    for (const std::string& address : addresses) {
      BlockedEndpoint endpoint{address, where->port};
      if (!covered(endpoint)) targets.push_back(endpoint);
    }
  }
  return targets;
}

std::string RenderJobFirewall(const std::vector<BlockedEndpoint>& targets) {
  std::string rules;
  for (const BlockedEndpoint& t : targets) {
    if (RuleMatch(t).empty()) continue;  // never a name or anything else into the ruleset
    if (t.port && (*t.port < 1 || *t.port > 65535)) continue;
    rules += "    " + RuleMatch(t) + " counter reject\n";
  }
  // "table X" then "delete table X" makes the delete succeed on a first start; the file is one
  // transaction, so an agent restart replaces the rules with no moment without them.
  return std::string(
             "# Written by osg-worker at every start, and again whenever its periodic check finds\n") +
         "# the table gone or changed (nft -f): only root reaches the cloud metadata service.\n"
         "# Rejected, not dropped: a job's cloud SDK fails at once instead of\n"
         "# waiting for its timeout. Root's own requests (osg-worker's delete) pass.\n"
         "table " +
         kJobFirewallTable + "\n" + "delete table " + kJobFirewallTable + "\n" + "table " +
         kJobFirewallTable +
         " {\n"
         "  chain output {\n"
         "    type filter hook output priority filter; policy accept;\n"
         "    meta skuid != 0 jump not_root\n"
         "  }\n"
         "  chain not_root {\n" +
         rules +
         "  }\n"
         "}\n";
}

std::string DescribeJobFirewall(const std::vector<BlockedEndpoint>& targets) {
  std::string out;
  for (const BlockedEndpoint& t : targets) {
    if (!out.empty()) out += ", ";
    std::string address = IsIPv6(t.address) && t.port ? "[" + t.address + "]" : t.address;
    out += t.port ? address + ":" + std::to_string(*t.port) : address;
  }
  return "jobs cannot reach " + out;
}

Status InstallJobFirewall(const std::string& ruleset, const std::string& path,
                          const CommandRunner& run) {
  Status written = WriteFileAtomically(path, ruleset, 0600);
  if (!written.ok()) return written;
  CommandResult result = run({"nft", "-f", path});
  if (result.ok()) return Status::Ok();
  return Status::Error(result.exit_status < 0
                           ? "nft did not run or timed out (is the nftables package installed?)"
                           : "nft -f " + path + " exited with status " +
                                 std::to_string(result.exit_status) + " (its error is in the log)");
}

std::chrono::seconds JobFirewallCheckInterval(const char* override_seconds) {
  return IntervalOverride(override_seconds, kJobFirewallCheckInterval);
}

std::string MissingJobFirewallRules(const std::string& listing,
                                    const std::vector<BlockedEndpoint>& targets) {
  // `nft list` prints each rule back as "MATCH counter packets N bytes N reject with ...".
  std::vector<std::string> needles = {"hook output", "meta skuid != 0 jump not_root"};
  for (const BlockedEndpoint& t : targets) {
    if (!RuleMatch(t).empty()) needles.push_back(RuleMatch(t) + " counter");
  }
  std::string missing;
  for (const std::string& needle : needles) {
    if (listing.find(needle) != std::string::npos) continue;
    missing += (missing.empty() ? "" : ", ") + ("\"" + needle + "\"");
  }
  return missing.empty() ? "" : "the table lacks " + missing;
}

JobFirewallCheck CheckJobFirewall(const std::vector<BlockedEndpoint>& targets,
                                  const std::string& path, const CommandRunner& run,
                                  bool was_ok) {
  JobFirewallCheck check;
  std::string found = "it was not installed";
  if (was_ok) {
    CommandResult listed = run({"nft", "list", "table", "inet", "osg_worker"});
    if (listed.ok()) {
      found = MissingJobFirewallRules(listed.output, targets);
      if (found.empty()) {
        check.ok = true;
        return check;  // the common case: nothing to say
      }
    } else if (listed.exit_status < 0) {
      found = "nft list table did not run or timed out";
    } else {
      found = std::string("the table ") + kJobFirewallTable + " is gone (nft list exited with " +
              std::to_string(listed.exit_status) +
              "; `systemctl reload nftables` or `nft flush ruleset` removes it)";
    }
  }
  Status installed = InstallJobFirewall(RenderJobFirewall(targets), path, run);
  check.ok = installed.ok();
  check.changed = installed.ok() || was_ok;  // a failure that goes on is no news
  if (installed.ok()) {
    check.result = "reinstalled";
    check.detail = found + "; reinstalled it";
    check.log = "job firewall: " + check.detail;
    check.status = DescribeJobFirewall(targets) + " (nftables table " + kJobFirewallTable + ")";
  } else {
    check.result = "failed";
    check.detail = found + "; reinstalling it failed: " + installed.message();
    check.log = "WARNING: job firewall NOT INSTALLED: " + check.detail;
    check.status = "NOT INSTALLED: " + check.detail + "; jobs can reach the cloud metadata service";
  }
  return check;
}

}  // namespace osg
