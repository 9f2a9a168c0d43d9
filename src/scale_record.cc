#include "scale_record.h"

#include <sys/stat.h>

#include <cerrno>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "files.h"

namespace osg {

double SusUsed(const ScaleRecord& record, int64_t now) {
  double sus = 0;
  for (const LaunchedWorker& worker : record.workers) {
    int64_t end = worker.ended_at.value_or(now);
    if (end <= worker.launched_at) continue;
    sus += static_cast<double>(end - worker.launched_at) / 3600.0 * worker.cores *
           worker.sus_per_core_hour;
  }
  return sus;
}

namespace {

nlohmann::json ToJson(const LaunchedWorker& worker) {
  nlohmann::json json = {{"id", worker.id},
                         {"name", worker.name},
                         {"launched_at", worker.launched_at},
                         {"cores", worker.cores},
                         {"sus_per_core_hour", worker.sus_per_core_hour},
                         {"joined", worker.joined}};
  if (worker.ended_at) json["ended_at"] = *worker.ended_at;
  return json;
}

// Throws nlohmann's exceptions on a member of the wrong type; the caller turns them into one error.
LaunchedWorker WorkerFromJson(const nlohmann::json& json) {
  LaunchedWorker worker;
  worker.id = json.at("id").get<std::string>();
  worker.name = json.value("name", "");
  worker.launched_at = json.at("launched_at").get<int64_t>();
  if (json.contains("ended_at")) worker.ended_at = json.at("ended_at").get<int64_t>();
  worker.cores = json.at("cores").get<int>();
  worker.sus_per_core_hour = json.at("sus_per_core_hour").get<double>();
  worker.joined = json.value("joined", false);
  return worker;
}

}  // namespace

Status SaveScaleRecord(const std::string& path, const ScaleRecord& record) {
  nlohmann::json workers = nlohmann::json::array();
  for (const LaunchedWorker& worker : record.workers) workers.push_back(ToJson(worker));
  nlohmann::json json = {{"group", record.group},
                         {"workers", workers},
                         {"join_failed_since_last_join", record.join_failed_since_last_join}};
  if (record.last_launch) json["last_launch"] = *record.last_launch;
  return WriteFileAtomically(path, json.dump(1) + "\n", 0600);
}

ScaleRecordLoad LoadScaleRecord(const std::string& path, const std::string& group) {
  ScaleRecordLoad load;
  load.record.group = group;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT) return load;
  std::optional<std::string> text = ReadFile(path);
  if (!text) {
    load.status = Status::Error(path + ": cannot be read");
    return load;
  }
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  try {
    if (json.is_discarded() || !json.is_object()) throw std::runtime_error("not a JSON object");
    std::string recorded_group = json.at("group").get<std::string>();
    if (recorded_group != group) {
      load.status = Status::Error(path + ": the record of group \"" + recorded_group +
                                  "\", not \"" + group + "\"");
      return load;
    }
    for (const nlohmann::json& worker : json.at("workers")) {
      load.record.workers.push_back(WorkerFromJson(worker));
    }
    if (json.contains("last_launch")) load.record.last_launch = json.at("last_launch").get<int64_t>();
    load.record.join_failed_since_last_join = json.value("join_failed_since_last_join", false);
  } catch (const std::exception& e) {
    load.status = Status::Error(path + ": not a scale record (" + e.what() +
                                "); it keeps the SUs spent, so it is not started again from zero");
    load.record = ScaleRecord{group, {}, std::nullopt, false};
  }
  return load;
}

}  // namespace osg
