#include "ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>

#include "files.h"
#include "test_temp_dir.h"

namespace osg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

LedgerRecord Record(double time, const std::string& event,
                    nlohmann::json fields = nlohmann::json::object()) {
  return LedgerRecord{time, event, std::move(fields)};
}

std::vector<std::string> Events(const std::vector<LedgerRecord>& records) {
  std::vector<std::string> events;
  for (const LedgerRecord& r : records) events.push_back(r.event);
  return events;
}

class LedgerFile : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    path_ = dir_ + "/state/ledger.jsonl";  // Append creates the missing directory
  }
  void Truncate(off_t size) { ASSERT_EQ(truncate(path_.c_str(), size), 0); }
  off_t Size() { return static_cast<off_t>(std::filesystem::file_size(path_)); }
  std::string path_;
};

TEST(Crc32, ZlibGivesTheStandardCheckValue) {
  const char* text = "123456789";
  EXPECT_EQ(crc32(0L, reinterpret_cast<const Bytef*>(text), 9), 0xcbf43926UL);
}

TEST(FormatLedgerLine, IsJsonTabCrcWithTimeAndEventFirst) {
  std::string line = FormatLedgerLine(Record(1800000000.5, "retire", {{"reason", "a\tb"}}));
  EXPECT_EQ(line.substr(0, line.find('\t')),
            R"({"t":1800000000.5,"event":"retire","reason":"a\tb"})");
  EXPECT_EQ(line.size() - line.find('\t'), 9u);  // the tab and 8 hex digits
}

TEST_F(LedgerFile, RoundTrip) {
  {
    Ledger ledger(path_);
    ASSERT_TRUE(ledger.Append(Record(100, kEventAgentStart, {{"pid", 42}})).ok());
    ASSERT_TRUE(ledger.Append(Record(101.25, kEventBoot, {{"boot_id", "b1"}})).ok());
    ASSERT_TRUE(ledger.Append(Record(102, kEventJoined)).ok());
  }
  Ledger again(path_);  // a restarted agent appends to the same file
  ASSERT_TRUE(again.Append(Record(103, kEventJobEnd, {{"job_id", "1.0"}, {"exit_code", 0}})).ok());

  LedgerReadResult read = ReadLedger(path_);
  EXPECT_TRUE(read.found);
  EXPECT_EQ(read.skipped, 0);
  EXPECT_THAT(read.notes, ElementsAre());
  ASSERT_THAT(Events(read.records), ElementsAre("agent_start", "boot", "joined", "job_end"));
  EXPECT_EQ(read.records[0].fields, nlohmann::json({{"pid", 42}}));
  EXPECT_EQ(read.records[1].time, 101.25);
  EXPECT_EQ(read.records[2].fields, nlohmann::json::object());
  EXPECT_EQ(read.records[3].fields["exit_code"], 0);
}

TEST(ParseLedgerText, ReadsBytesAsReadLedgerReadsTheFile) {
  std::string good = FormatLedgerLine(Record(5, kEventJoined));
  LedgerReadResult read =
      ParseLedgerText(good + "\n{\"t\":6,\"event\":\"left\"}\tffffffff\n\n" + good, "name");
  EXPECT_TRUE(read.found);
  EXPECT_THAT(Events(read.records), ElementsAre("joined", "joined"));
  EXPECT_THAT(read.notes, ElementsAre("name:2: checksum mismatch; skipped"));
}

// Found by fuzz/ledger_fuzz: a checksummed "t" of 1e308 reached the report's and the agent's
// integer conversions.
TEST(ParseLedgerText, SkipsATimeNoClockHolds) {
  std::string far = FormatLedgerLine(Record(1e308, kEventIdleStart));
  std::string before = FormatLedgerLine(Record(-1, kEventIdleStart));
  LedgerReadResult read = ParseLedgerText(far + "\n" + before + "\n", "l");
  EXPECT_THAT(read.records, ElementsAre());
  EXPECT_THAT(read.notes, ElementsAre("l:1: time out of range; skipped",
                                      "l:2: time out of range; skipped"));
}

TEST_F(LedgerFile, PrivateFileInPrivateDirectory) {
  Ledger ledger(path_);
  ASSERT_TRUE(ledger.Append(Record(1, kEventJoined)).ok());
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((dir_ + "/state").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(LedgerFile, TornLastLineIsSkippedAndTheNextRecordStartsAfreshLine) {
  Ledger first(path_);
  ASSERT_TRUE(first.Append(Record(1, kEventJoined)).ok());
  off_t whole = Size();
  ASSERT_TRUE(first.Append(Record(2, kEventIdleStart)).ok());
  Truncate(whole + 10);  // power loss in the middle of the second line

  LedgerReadResult torn = ReadLedger(path_);
  EXPECT_THAT(Events(torn.records), ElementsAre("joined"));
  EXPECT_EQ(torn.skipped, 1);
  ASSERT_EQ(torn.notes.size(), 1u);
  EXPECT_THAT(torn.notes[0], HasSubstr(":2: torn last line"));

  Ledger after_reboot(path_);
  ASSERT_TRUE(after_reboot.Append(Record(3, kEventAgentStart)).ok());
  LedgerReadResult read = ReadLedger(path_);
  EXPECT_THAT(Events(read.records), ElementsAre("joined", "agent_start"));
  EXPECT_EQ(read.skipped, 1);
  ASSERT_EQ(read.notes.size(), 1u);
  EXPECT_THAT(read.notes[0], HasSubstr(":2: no checksum; skipped"));  // ended, no longer last
}

TEST_F(LedgerFile, LastLineMissingOnlyItsNewlineIsKept) {
  Ledger ledger(path_);
  ASSERT_TRUE(ledger.Append(Record(1, kEventJoined)).ok());
  Truncate(Size() - 1);
  EXPECT_THAT(Events(ReadLedger(path_).records), ElementsAre("joined"));
  ASSERT_TRUE(ledger.Append(Record(2, kEventLeft)).ok());
  LedgerReadResult read = ReadLedger(path_);
  EXPECT_THAT(Events(read.records), ElementsAre("joined", "left"));
  EXPECT_EQ(read.skipped, 0);
}

TEST_F(LedgerFile, CorruptLinesInTheMiddleAreSkippedAndCounted) {
  Ledger ledger(path_);
  ASSERT_TRUE(ledger.Append(Record(1, kEventJoined)).ok());
  ASSERT_TRUE(ledger.Append(Record(2, kEventRetire, {{"reason", "idle"}})).ok());
  ASSERT_TRUE(ledger.Append(Record(3, kEventLeft)).ok());
  std::string text = *ReadFile(path_);
  text.replace(text.find("idle"), 4, "busy");  // a flipped byte: the checksum no longer matches
  text.insert(text.find("{\"t\":3"), "garbage\n{\"t\":4,\"event\":\"x\"}\t0000000g\n");
  ASSERT_TRUE(WriteFileAtomically(path_, text, 0600).ok());

  LedgerReadResult read = ReadLedger(path_);
  EXPECT_THAT(Events(read.records), ElementsAre("joined", "left"));
  EXPECT_EQ(read.skipped, 3);
  EXPECT_THAT(read.notes, ElementsAre(HasSubstr(":2: checksum mismatch; skipped"),
                                      HasSubstr(":3: no checksum; skipped"),
                                      HasSubstr(":4: malformed checksum; skipped")));
}

TEST_F(LedgerFile, ValidChecksumButNotARecordIsSkipped) {
  std::string json_text = R"({"event":"joined"})";  // no "t"
  std::string line = FormatLedgerLine(Record(1, "x"));
  std::filesystem::create_directories(dir_ + "/state");
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(json_text.data()), json_text.size());
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08lx", crc);
  ASSERT_TRUE(WriteFileAtomically(path_, line + "\n" + json_text + "\t" + hex + "\n", 0600).ok());
  LedgerReadResult read = ReadLedger(path_);
  EXPECT_THAT(Events(read.records), ElementsAre("x"));
  EXPECT_THAT(read.notes, ElementsAre(HasSubstr(":2: not a ledger record; skipped")));
}

TEST_F(LedgerFile, MissingAndEmptyFiles) {
  LedgerReadResult missing = ReadLedger(path_);
  EXPECT_FALSE(missing.found);
  EXPECT_TRUE(missing.records.empty());
  EXPECT_TRUE(missing.notes.empty());

  ASSERT_TRUE(WriteFileAtomically(path_, "", 0600).ok());
  LedgerReadResult empty = ReadLedger(path_);
  EXPECT_TRUE(empty.found);
  EXPECT_TRUE(empty.records.empty());
  EXPECT_EQ(empty.skipped, 0);
}

TEST_F(LedgerFile, RefusesFieldsThatAreNotAnObject) {
  Ledger ledger(path_);
  EXPECT_FALSE(ledger.Append(Record(1, kEventJoined, nlohmann::json::array())).ok());
}

struct ResumeCase {
  std::string name;
  std::vector<LedgerRecord> records;
  std::optional<double> expected;
};

std::vector<ResumeCase> ResumeCases() {
  LedgerRecord start = Record(10, kEventAgentStart, {{"pid", 1}});
  LedgerRecord boot = Record(10, kEventBoot, {{"boot_id", "b1"}});
  LedgerRecord old_boot = Record(5, kEventBoot, {{"boot_id", "b0"}});
  LedgerRecord joined = Record(20, kEventJoined);
  LedgerRecord idle = Record(30, kEventIdleStart);
  auto phase = [](double t, const char* to) {
    return Record(t, kEventPhase, {{"from", "Idle"}, {"to", to}, {"reason", "r"}});
  };
  LedgerRecord claim = Record(40, kEventClaimStart, {{"slot", "slot1_1"}});
  LedgerRecord restart = Record(50, kEventAgentStart, {{"pid", 2}});
  LedgerRecord reboot = Record(50, kEventBoot, {{"boot_id", "b2"}});
  LedgerRecord same_boot = Record(50, kEventBoot, {{"boot_id", "b1"}});
  return {
      {"Empty", {}, std::nullopt},
      {"NeverIdle", {start, boot, joined}, std::nullopt},
      {"IdleThenKilled", {start, boot, joined, idle}, 30},
      {"IdleThenRestartedAlreadyLogged", {start, boot, joined, idle, restart, same_boot}, 30},
      {"IdleAfterAnEarlierBoot", {old_boot, start, boot, joined, idle}, 30},
      {"StoppingKeepsTheClock", {start, boot, joined, idle, phase(35, "Stopping")}, 30},
      {"FailedStopBackToIdleKeepsTheClock",
       {start, boot, joined, idle, phase(35, "Stopping"), phase(36, "Idle")},
       30},
      {"BusyAfterIdle", {start, boot, joined, idle, claim}, std::nullopt},
      {"PhaseBusyAfterIdle", {start, boot, joined, idle, phase(40, "Busy")}, std::nullopt},
      {"IdleEnded", {start, boot, joined, idle, Record(40, kEventIdleEnd)}, std::nullopt},
      {"LeftThePool", {start, boot, joined, idle, Record(40, kEventLeft)}, std::nullopt},
      {"IdleAgainAfterBusy",
       {start, boot, joined, idle, claim, Record(45, kEventClaimEnd), Record(46, kEventIdleStart)},
       46},
      {"Rebooted", {start, boot, joined, idle, restart, reboot}, std::nullopt},
      {"IdleOnAnotherBoot", {old_boot, joined, idle}, std::nullopt},
      {"NoBootRecord", {start, joined, idle}, std::nullopt},
  };
}

void PrintTo(const ResumeCase& c, std::ostream* os) { *os << c.name; }

class ResumeIdle : public ::testing::TestWithParam<ResumeCase> {};

TEST_P(ResumeIdle, Resumes) {
  std::optional<LedgerRecord> idle = ResumeIdleSince(GetParam().records, "b1");
  ASSERT_EQ(idle.has_value(), GetParam().expected.has_value());
  if (idle) {
    EXPECT_EQ(idle->time, *GetParam().expected);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ResumeIdle, ::testing::ValuesIn(ResumeCases()),
                         [](const auto& info) { return info.param.name; });

TEST(ResumeIdle, UnknownBootIdNeverResumes) {
  EXPECT_FALSE(
      ResumeIdleSince({Record(1, kEventBoot, {{"boot_id", ""}}), Record(2, kEventIdleStart)}, ""));
}

TEST(IdleSeconds, FollowsTheBootTimeClockThroughWallClockSteps) {
  LedgerRecord idle = Record(1000, kEventIdleStart, {{"boottime", 50.0}});
  // 100 s of boot time later, with the wall clock stepped an hour forward, then an hour back.
  EXPECT_DOUBLE_EQ(IdleSeconds(idle, 1000 + 100 + 3600, 150), 100);
  EXPECT_DOUBLE_EQ(IdleSeconds(idle, 1000 + 100 - 3600, 150), 100);
  // Records from before the field existed fall back to the wall clock, never negative.
  EXPECT_DOUBLE_EQ(IdleSeconds(Record(1000, kEventIdleStart), 1100, 0), 100);
  EXPECT_DOUBLE_EQ(IdleSeconds(Record(1000, kEventIdleStart), 900, 0), 0);
}

TEST(BootTimeNow, IsSteadyAndPositive) {
  double first = BootTimeNow();
  EXPECT_GT(first, 0);
  EXPECT_GE(BootTimeNow(), first);
}

TEST(CurrentBootId, LooksLikeAUuid) { EXPECT_EQ(CurrentBootId().size(), 36u); }

TEST(ReadInstanceHistory, FirstStartAndTheLastMomentInThePool) {
  std::vector<LedgerRecord> records = {
      {100, kEventAgentStart, {}}, {101, kEventConfigAccepted, {}}, {105, kEventJoined, {}},
      {200, kEventPhase, {}},      {300, kEventAgentStop, {}},      {400, kEventAgentStart, {}},
      {401, kEventPhase, {}},  // a new agent, not in the pool yet
  };
  InstanceHistory history = ReadInstanceHistory(records);
  EXPECT_EQ(history.first_start, 100);
  EXPECT_EQ(history.last_in_pool, 300);
}

TEST(ReadInstanceHistory, AClaimProvesThePoolAndLeavingEndsIt) {
  std::vector<LedgerRecord> records = {
      {10, kEventAgentStart, {}}, {20, kEventClaimStart, {}}, {30, kEventLeft, {}},
      {40, kEventPhase, {}},
  };
  InstanceHistory history = ReadInstanceHistory(records);
  EXPECT_EQ(history.last_in_pool, 30);
}

TEST(ReadInstanceHistory, AnEmptyLedgerSaysNothing) {
  InstanceHistory history = ReadInstanceHistory({});
  EXPECT_FALSE(history.first_start);
  EXPECT_FALSE(history.last_in_pool);
  EXPECT_FALSE(history.collector_socket);
}

TEST(ReadInstanceHistory, TheFirstCollectorSocketStays) {
  std::vector<LedgerRecord> records = {
      {10, kEventConfigAccepted, {{"collector_socket", 0}}},  // another pool then
      {20, kEventConfigAccepted, {{"collector_socket", 6}}},
      {30, kEventConfigAccepted, {{"collector_socket", 2}}},  // cannot happen; the first wins
  };
  // 0: no socket was chosen then (another pool); the OSPool's choice later is the one kept.
  EXPECT_EQ(ReadInstanceHistory(records).collector_socket, 6);
}

}  // namespace
}  // namespace osg
