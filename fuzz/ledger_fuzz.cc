// The ledger is read back after power loss, disk-full and kill -9: torn and corrupt lines are
// expected. Whatever the file holds, reading it, resuming the idle clock from it and reporting on
// it must not crash, and a record read back must survive being written and read again.

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fuzz_check.h"
#include "ledger.h"
#include "report.h"

namespace {

// Gives every line a valid checksum, so that the fuzzer reaches the JSON behind it.
std::string WithChecksums(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    uLong crc = crc32_z(0L, reinterpret_cast<const Bytef*>(line.data()), line.size());
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08lx", crc & 0xffffffffUL);
    out.append(line).append("\t").append(hex).append("\n");
    start = end + 1;
  }
  return out;
}

}  // namespace

// The first byte chooses: odd, the rest is a ledger file as is; even, the rest is JSON lines that
// get valid checksums.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  if (size == 0) return 0;
  std::string_view rest = osg::fuzz::Bytes(data + 1, size - 1);
  std::string text = data[0] & 1 ? std::string(rest) : WithChecksums(rest);
  osg::LedgerReadResult read = osg::ParseLedgerText(text, "fuzz.jsonl");
  Require(read.notes.size() == static_cast<size_t>(read.skipped), "one note per skipped line");
  (void)osg::ResumeIdleSince(read.records, "boot-1");
  osg::Report report = osg::ComputeReport(read.records, {1.0, 1800000000.0});
  (void)osg::FormatReport(report);
  (void)osg::ReportToJson(report).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (const osg::LedgerRecord& record : read.records) {
    osg::LedgerReadResult again = osg::ParseLedgerText(osg::FormatLedgerLine(record) + "\n", "x");
    Require(again.records.size() == 1, "a record read back does not survive a rewrite");
    Require(again.records[0].event == record.event && again.records[0].time == record.time,
            "a rewritten record changed its event or time");
  }
  return 0;
}
