#include "queue_demand.h"

#include <classad/classad.h>
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

// A job ad from condor_q -json's object: numbers, booleans and strings as literals, and the
// "\/Expr(...)\/" strings (expressions, once JSON has decoded the escaped slashes) parsed as
// ClassAd expressions. Members of other kinds (lists, nested ads) are left out: Start has no use
// for them. nullptr when an expression does not parse.
classad::ClassAd* JobAdFromJson(const nlohmann::json& job, classad::ClassAdParser& parser) {
  auto ad = std::make_unique<classad::ClassAd>();
  for (const auto& [name, value] : job.items()) {
    if (value.is_boolean()) {
      ad->InsertAttr(name, value.get<bool>());
    } else if (value.is_number_integer()) {
      ad->InsertAttr(name, value.get<long long>());
    } else if (value.is_number()) {
      ad->InsertAttr(name, value.get<double>());
    } else if (value.is_string()) {
      const std::string& text = value.get_ref<const std::string&>();
      if (text.starts_with("/Expr(") && text.ends_with(")/")) {
        classad::ExprTree* tree = parser.ParseExpression(text.substr(6, text.size() - 8));
        if (!tree) return nullptr;
        ad->Insert(name, tree);
      } else {
        ad->InsertAttr(name, text);
      }
    }
  }
  return ad.release();
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
  for (const nlohmann::json& job_json : jobs) {
    if (!job_json.is_object()) continue;
    auto* machine = new classad::ClassAd;  // the match owns both ads
    machine->Insert("Start", start_tree->Copy());
    machine->InsertAttr("Cpus", cores_per_worker);
    machine->InsertAttr("WorkerGroupName", group);
    classad::ClassAd* job = JobAdFromJson(job_json, parser);
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
