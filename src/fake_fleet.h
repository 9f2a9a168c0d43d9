#pragma once

// A CloudFleet in memory for unit tests: instances, scripted failures, and the calls it saw.

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "cloud_fleet.h"

namespace osg {

class FakeFleet : public CloudFleet {
 public:
  std::string CloudName() const override { return "openstack"; }

  CloudResult Prepare(const LaunchSpec&, int* cores) override {
    calls.push_back("prepare");
    *cores = flavor_cores;
    return Next(prepare_results);
  }

  CloudResult Create(const LaunchSpec& spec, const std::string& name, const std::string& user_data,
                     std::string* id) override {
    calls.push_back("create " + name);
    CloudResult result = Next(create_results);
    if (result.outcome != CloudResult::Outcome::kDone) return result;
    for (const auto& [existing_id, instance] : instances) {
      if (instance.name == name) {  // the same name again: the same instance, as the clouds do
        *id = existing_id;
        return result;
      }
    }
    *id = "id-" + std::to_string(++serial);
    FleetInstance instance;
    instance.id = *id;
    instance.name = name;
    instance.cloud_state = "BUILD";
    instance.launched_at = now;
    instances[*id] = instance;
    groups[*id] = spec.group;
    user_datas[*id] = user_data;
    return result;
  }

  CloudResult List(const std::string& group, std::vector<FleetInstance>* out) override {
    calls.push_back("list");
    out->clear();
    for (const auto& [id, instance] : instances) {
      if (groups[id] == group) out->push_back(instance);
    }
    return Next(list_results);
  }

  CloudResult Delete(const std::string& id) override {
    calls.push_back("delete " + id);
    CloudResult result = Next(delete_results);
    if (result.outcome != CloudResult::Outcome::kDone) return result;
    if (instances.erase(id) == 0) return {CloudResult::Outcome::kAlreadyGone, "gone"};
    return result;
  }

  void SetState(const std::string& id, ScaledWorker::Cloud state, const std::string& word) {
    instances[id].state = state;
    instances[id].cloud_state = word;
  }

  // Results to play, first to last; when empty, kDone.
  std::deque<CloudResult> prepare_results, create_results, list_results, delete_results;
  std::map<std::string, FleetInstance> instances;
  std::map<std::string, std::string> groups, user_datas;
  std::vector<std::string> calls;
  int flavor_cores = 1;
  int64_t now = 0;

 private:
  static CloudResult Next(std::deque<CloudResult>& results) {
    if (results.empty()) return {CloudResult::Outcome::kDone, "ok"};
    CloudResult result = results.front();
    results.pop_front();
    return result;
  }
  int serial = 0;
};

}  // namespace osg
