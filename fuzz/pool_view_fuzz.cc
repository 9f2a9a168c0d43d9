// `osg-worker pool`'s reader of condor_status -json (every startd of the pool advertises what
// it likes): any bytes give rows or an error, the rows are one per machine, sorted, of the group
// only, with sane counts (input: the group's name, a line feed, the output), and both renderings
// hold every row.

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "pool_view.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  std::string_view text = osg::fuzz::Bytes(data, size);
  const std::string group(osg::fuzz::TakeLine(&text));  // the first line names the group
  osg::PoolView view = osg::ParsePoolView(text, group);
  if (!view.error.empty()) {
    Require(view.workers.empty(), "rows along with an error");
    return 0;
  }
  for (size_t i = 0; i < view.workers.size(); ++i) {
    const osg::WorkerRow& w = view.workers[i];
    Require(!w.name.empty(), "a row without a name");
    Require(i == 0 || view.workers[i - 1].name < w.name, "rows not sorted or not unique");
    Require(w.jobs >= 0 && !(w.cores_busy > w.cores_total), "more busy cores than cores");
  }
  const int64_t now = 1'700'000'000;
  std::string table = osg::FormatPoolView(view, now);
  size_t lines = 0;
  for (char c : table) lines += c == '\n';
  // Names may hold a line feed (a JSON "\n"): the table then has more lines, never fewer.
  Require(lines >= view.workers.size() + 2, "a table without a line per worker");
  nlohmann::json json = osg::PoolViewToJson(view, now);
  Require(json.dump().size() > 0, "an empty JSON rendering");  // dump throws on bad UTF-8
  return 0;
}
