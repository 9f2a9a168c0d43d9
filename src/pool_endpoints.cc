#include "pool_endpoints.h"

#include <algorithm>
#include <regex>

namespace osg {
namespace {

const char* const kOspoolCollectors[] = {"cm-1.ospool.osg-htc.org", "cm-2.ospool.osg-htc.org"};
const char* const kOspoolCcb[] = {"ccb-1.ospool.osg-htc.org", "ccb-2.ospool.osg-htc.org"};

bool ValidPort(const std::string& digits) {
  return !digits.empty() && digits.size() <= 5 && std::stoi(digits) >= 1 && std::stoi(digits) <= 65535;
}

}  // namespace

PoolEndpoints EffectivePool(const Settings& settings, int collector_socket) {
  if (!settings.central_managers.empty()) {
    return {settings.central_managers, settings.central_managers};
  }
  std::string suffix = "?sock=collector" + std::to_string(collector_socket);
  PoolEndpoints pool;
  for (const char* host : kOspoolCollectors) pool.collectors.push_back(host + suffix);
  for (const char* host : kOspoolCcb) pool.ccb.push_back(host + suffix);
  return pool;
}

std::string AddressHost(const std::string& address) {
  std::string host = address.substr(0, address.find('?'));
  return host.substr(0, host.find(':'));
}

std::vector<std::string> AddressHosts(const std::vector<std::string>& addresses) {
  std::vector<std::string> hosts;
  for (const std::string& address : addresses) {
    std::string host = AddressHost(address);
    if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) hosts.push_back(host);
  }
  return hosts;
}

std::vector<std::string> ParseCentralManagers(const std::string& value, std::string* problem) {
  static const std::regex kAddress(
      R"(([A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)(:([0-9]+))?(\?sock=[A-Za-z0-9_-]+)?)");
  std::vector<std::string> addresses;
  std::string lower = value;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == kOspool) return addresses;
  std::string current;
  auto take = [&]() -> bool {
    if (current.empty()) return true;
    std::smatch match;
    std::string word = current;
    std::transform(word.begin(), word.end(), word.begin(), ::tolower);
    if (word == kOspool) {
      *problem = "ospool stands alone: it names the OSPool's own collectors";
      return false;
    }
    if (!std::regex_match(current, match, kAddress) ||
        (match[4].matched && !ValidPort(match[4].str()))) {
      *problem = "\"" + current + "\" is not host, host:port or host:port?sock=name";
      return false;
    }
    if (std::find(addresses.begin(), addresses.end(), current) == addresses.end()) {
      addresses.push_back(current);
    }
    current.clear();
    return true;
  };
  for (char c : value) {
    if (c == ',' || c == ' ' || c == '\t') {
      if (!take()) return {};
    } else {
      current += c;
    }
  }
  if (!take()) return {};
  if (addresses.empty()) *problem = "names no collector; use ospool or host[:port], ...";
  return addresses;
}

std::string JoinAddresses(const std::vector<std::string>& addresses) {
  std::string joined;
  for (const std::string& a : addresses) joined += (joined.empty() ? "" : ", ") + a;
  return joined;
}

}  // namespace osg
