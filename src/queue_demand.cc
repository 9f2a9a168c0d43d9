#include "queue_demand.h"

#include <classad/classad.h>
#include <classad/jsonSource.h>
#include <classad/matchClassad.h>
#include <classad/source.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pool_view.h"
#include "text.h"

namespace osg {
namespace {

void AddPool(std::vector<std::string>& argv, std::string_view pool) {
  if (pool.empty()) return;
  argv.emplace_back("-pool");
  argv.emplace_back(pool);
}

}  // namespace

std::vector<std::string> IdleJobsArgv(std::string_view owner, std::string_view pool) {
  std::vector<std::string> argv = {"condor_q"};
  AddPool(argv, pool);
  if (owner.empty()) {
    argv.emplace_back("-allusers");
  } else {
    argv.emplace_back(owner);
  }
  for (const char* arg : {"-constraint", "JobStatus == 1", "-json"}) argv.emplace_back(arg);
  return argv;
}

QueueDemand DemandFromJobs(std::string_view condor_q_json, const std::string& start,
                           const std::string& group, int cores_per_worker) {
  QueueDemand demand;
  if (condor_q_json.find_first_not_of(" \t\r\n") == std::string_view::npos) return demand;
  nlohmann::json jobs = nlohmann::json::parse(condor_q_json, nullptr, /*allow_exceptions=*/false);
  if (jobs.is_discarded() || !jobs.is_array()) {
    demand.error = "condor_q did not print a JSON array of job ads";
    return demand;
  }
  classad::ClassAdParser parser;
  std::unique_ptr<classad::ExprTree> start_tree(parser.ParseExpression(start));
  if (!start_tree) {
    demand.error = "the config's Start does not parse";
    return demand;
  }
  classad::ClassAdJsonParser json_parser;
  for (const nlohmann::json& job_json : jobs) {
    auto* machine = new classad::ClassAd;  // the match owns both ads
    machine->Insert("Start", start_tree->Copy());
    machine->InsertAttr("Cpus", cores_per_worker);
    machine->InsertAttr("WorkerGroupName", group);
    auto* job = json_parser.ParseClassAd(job_json.dump(), /*full=*/true);
    if (!job) {
      delete machine;
      continue;
    }
    classad::MatchClassAd match(machine, job);
    bool accepted = false;
    if (!machine->EvaluateAttrBool("Start", accepted) || !accepted) continue;
    int cpus = 1;
    if (!job->EvaluateAttrInt("RequestCpus", cpus) || cpus < 1) cpus = 1;
    if (cpus > cores_per_worker) {
      ++demand.too_big;
      continue;
    }
    ++demand.jobs;
    demand.cores += cpus;
  }
  return demand;
}

std::vector<std::string> SubmittersArgv(std::string_view pool) {
  std::vector<std::string> argv = {"condor_status"};
  AddPool(argv, pool);
  for (const char* arg : {"-submitters", "-af:t", "Name", "IdleJobs"}) argv.emplace_back(arg);
  return argv;
}

QueueDemand DemandFromSubmitters(std::string_view output, const std::string& owner) {
  QueueDemand demand;
  std::istringstream lines{std::string(output)};
  for (std::string line; std::getline(lines, line);) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::string name = line.substr(0, tab);
    if (name != owner && !name.starts_with(owner + "@")) continue;
    std::string idle = Trim(line.substr(tab + 1));
    char* end = nullptr;
    long n = std::strtol(idle.c_str(), &end, 10);
    if (idle.empty() || *end != '\0' || n < 0) {
      demand.error = "condor_status printed IdleJobs \"" + Shortened(idle) + "\" for " + owner;
      return demand;
    }
    demand.jobs += static_cast<int>(n);
  }
  demand.cores = demand.jobs;
  return demand;
}

}  // namespace osg
