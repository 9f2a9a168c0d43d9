#include <ctime>
#include <iostream>

#include "commands.h"
#include "ledger.h"
#include "report.h"

namespace osg {

int CommandReport(bool json, const std::string& ledger_path, double su_per_core_hour) {
  LedgerReadResult read = ReadLedger(ledger_path);
  // Skipped lines go to stderr, so that --json output stays parseable.
  for (const std::string& note : read.notes) std::cerr << "osg-worker report: " << note << "\n";
  if (read.records.empty()) {
    std::string what = read.found ? ledger_path + " holds no record yet"
                                  : "no ledger at " + ledger_path + " (osg-worker never ran here)";
    if (json) {
      std::cout << nlohmann::json{{"ledger", ledger_path}, {"message", what}}.dump(2) << "\n";
    } else {
      std::cout << what << "\n";
    }
    return 3;  // like status: nothing to report on
  }
  ReportOptions options;
  options.su_per_core_hour = su_per_core_hour;
  options.now = static_cast<double>(std::time(nullptr));
  Report report = ComputeReport(read.records, options);
  if (json) {
    nlohmann::json out = ReportToJson(report);
    out["ledger"] = ledger_path;
    out["skipped_lines"] = read.skipped;
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << FormatReport(report);
  }
  return 0;
}

}  // namespace osg
