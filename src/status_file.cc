#include "status_file.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace osg {
namespace {

template <typename T>
void PutOptional(nlohmann::json& json, const char* key, const std::optional<T>& value) {
  if (value) {
    json[key] = *value;
  } else {
    json[key] = nullptr;
  }
}

// An integer field: absent is `otherwise`; anything but an integer that fits T (1e300, 1.5,
// "many") makes the file unreadable, as nlohmann's own conversion would overflow instead.
template <typename T>
T Integer(const nlohmann::json& json, const char* key, T otherwise) {
  auto it = json.find(key);
  if (it == json.end()) return otherwise;
  if (it->is_number_unsigned() && it->get<uint64_t>() <= uint64_t{std::numeric_limits<T>::max()}) {
    return static_cast<T>(it->get<uint64_t>());
  }
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    int64_t value = it->get<int64_t>();
    if (value >= std::numeric_limits<T>::min() && value <= std::numeric_limits<T>::max()) {
      return static_cast<T>(value);
    }
  }
  throw std::out_of_range(std::string(key) + " is not an integer in range");
}

template <typename T>
std::optional<T> GetOptional(const nlohmann::json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return std::nullopt;
  return Integer<T>(json, key, T{});
}

}  // namespace

std::string WorkerStateToJson(const WorkerState& s) {
  nlohmann::json json = {
      {"agent_pid", s.agent_pid},
      {"condor_master_pid", s.condor_master_pid},
      {"config_path", s.config_path},
      {"phase", s.phase},
      {"joined", s.joined},
      {"claims", s.claims},
      {"jobs", s.jobs},
      {"started_at", s.started_at},
      {"shutdown_action", s.shutdown_action},
      {"diagnosis", s.diagnosis},
      {"ledger_error", s.ledger_error},
      {"job_firewall", s.job_firewall},
      {"job_firewall_ok", s.job_firewall_ok},
      {"job_firewall_reinstalls", s.job_firewall_reinstalls},
      {"default_image", s.default_image},
      {"updated_at", s.updated_at},
      {"retire_at", s.retire_at},
      {"shutdown_reason", s.shutdown_reason},
  };
  PutOptional(json, "joined_at", s.joined_at);
  PutOptional(json, "idle_since", s.idle_since);
  PutOptional(json, "shutdown_at", s.shutdown_at);
  // The diagnosis quotes HTCondor's logs, which may hold any bytes: invalid UTF-8 becomes U+FFFD
  // instead of an exception that would stop the agent.
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<WorkerState> WorkerStateFromJson(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  try {
    WorkerState s;
    s.agent_pid = Integer(json, "agent_pid", int64_t{0});
    s.condor_master_pid = Integer(json, "condor_master_pid", int64_t{0});
    s.config_path = json.value("config_path", "");
    s.phase = json.value("phase", "");
    s.joined = json.value("joined", false);
    s.claims = Integer(json, "claims", 0);
    s.jobs = Integer(json, "jobs", 0);
    s.started_at = Integer(json, "started_at", int64_t{0});
    s.shutdown_action = json.value("shutdown_action", "");
    s.diagnosis = json.value("diagnosis", "");
    s.ledger_error = json.value("ledger_error", "");
    s.job_firewall = json.value("job_firewall", "");
    s.job_firewall_ok = json.value("job_firewall_ok", false);
    s.job_firewall_reinstalls = json.value("job_firewall_reinstalls", 0);
    s.default_image = json.value("default_image", "");
    s.updated_at = Integer(json, "updated_at", int64_t{0});
    s.retire_at = Integer(json, "retire_at", int64_t{0});
    s.shutdown_reason = json.value("shutdown_reason", "");
    s.joined_at = GetOptional<int64_t>(json, "joined_at");
    s.idle_since = GetOptional<int64_t>(json, "idle_since");
    s.shutdown_at = GetOptional<int64_t>(json, "shutdown_at");
    return s;
  } catch (const std::exception&) {  // nlohmann's type_error, or Integer's out_of_range
    return std::nullopt;             // a field of the wrong type: treat the file as unreadable
  }
}

}  // namespace osg
