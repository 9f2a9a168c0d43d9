#include "report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osg {
namespace {

using ::testing::HasSubstr;

constexpr double kT0 = 1800000000;  // 2027-01-15 08:00:00 UTC

LedgerRecord At(double offset, const std::string& event,
                nlohmann::json fields = nlohmann::json::object()) {
  return LedgerRecord{kT0 + offset, event, std::move(fields)};
}

std::vector<LedgerRecord> Boot(const std::string& boot_id, double offset, int cpus = 4) {
  return {At(offset, kEventAgentStart, {{"pid", 100}}),
          At(offset, kEventBoot, {{"boot_id", boot_id}}),
          At(offset + 1, kEventConfigAccepted, {{"worker_group_name", "g"}, {"cpus", cpus}})};
}

LedgerRecord Job(double offset, const char* event, const std::string& id,
                 const std::string& project, int cpus) {
  return At(offset, event, {{"job_id", id}, {"owner", "u"}, {"project", project}, {"cpus", cpus}});
}

LedgerRecord Claim(double offset, const char* event, const std::string& slot) {
  return At(offset, event, {{"slot", slot}, {"cpus", 1}});
}

std::vector<LedgerRecord> Concat(std::vector<std::vector<LedgerRecord>> parts) {
  std::vector<LedgerRecord> all;
  for (auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

// One instance: booted at 0, joined at 60, one 2-cpu job from 100 to 1900, idle until the
// decision at 3400, powered off at 3600.
std::vector<LedgerRecord> WholeLife() {
  return Concat(
      {Boot("b1", 0),
       {At(60, kEventJoined), At(60, kEventIdleStart), At(100, kEventIdleEnd),
        Claim(100, kEventClaimStart, "slot1_1"), Job(101, kEventJobStart, "1.0", "A", 2),
        Job(1901, kEventJobEnd, "1.0", "A", 2), Claim(1901, kEventClaimEnd, "slot1_1"),
        At(1900, kEventIdleStart),
        At(3400, kEventShutdownDecision, {{"reason", "idle 25m0s, no claims"}}),
        At(3600, kEventShutdownAction, {{"action", "poweroff"}, {"result", "ok"}, {"detail", ""}}),
        At(3601, kEventAgentStop, {{"reason", "SIGTERM"}})}});
}

struct Expected {
  double up_s, joined_s, busy_s, idle_s;
  int jobs, running;
  double used, paid;
  bool shut_down;
};

struct ReportCase {
  std::string name;
  std::vector<LedgerRecord> records;
  double now_offset;
  Expected expected;
};

std::vector<ReportCase> Cases() {
  return {
      {"WholeLife", WholeLife(), 99999, {3600, 3540, 1801, 1739, 1, 0, 1.0, 4.0, true}},
      {"JobStillRunning",
       Concat({Boot("b1", 0),
               {At(10, kEventJoined), Claim(1000, kEventClaimStart, "slot1_1"),
                Job(1000, kEventJobStart, "7.0", "B", 4)}}),
       1900,
       {1900, 1890, 900, 990, 1, 1, 1.0, 1900 * 4 / 3600.0, false}},
      {"OverlappingClaims",
       Concat({Boot("b1", 0),
               {At(0, kEventJoined), Claim(100, kEventClaimStart, "slot1_1"),
                Job(100, kEventJobStart, "1.0", "A", 1), Claim(300, kEventClaimStart, "slot1_2"),
                Job(300, kEventJobStart, "2.0", "B", 1), Job(500, kEventJobEnd, "1.0", "A", 1),
                Claim(500, kEventClaimEnd, "slot1_1"), Job(900, kEventJobEnd, "2.0", "B", 1),
                Claim(900, kEventClaimEnd, "slot1_2")}}),
       3600,
       {3600, 3600, 800, 2800, 2, 0, 1000 / 3600.0, 4.0, false}},
      {"OnlyTheLatestBoot",
       Concat({Boot("b0", -10000),
               {At(-9000, kEventJoined), Job(-9000, kEventJobStart, "1.0", "A", 4)},
               Boot("b1", 0),
               {At(100, kEventJoined)}}),
       3600,
       {3600, 3500, 0, 3500, 0, 0, 0, 4.0, false}},
      {"AgentKilledAndRestartedOnTheSameBoot",
       Concat({Boot("b1", 0),
               {At(0, kEventJoined), Claim(100, kEventClaimStart, "slot1_1"),
                Job(100, kEventJobStart, "1.0", "A", 2)},
               Boot("b1", 500),  // kill -9 and restart: the same claim and job seen again
               {At(510, kEventJoined), Claim(510, kEventClaimStart, "slot1_1"),
                Job(510, kEventJobStart, "1.0", "A", 2), Job(1900, kEventJobEnd, "1.0", "A", 2),
                Claim(1900, kEventClaimEnd, "slot1_1")}}),
       3600,
       {3600, 3600, 1800, 1800, 1, 0, 1.0, 4.0, false}},
      {"AgentStopEndsJoinedAndClaims",
       Concat({Boot("b1", 0),
               {At(0, kEventJoined), Claim(600, kEventClaimStart, "slot1_1"),
                At(1200, kEventAgentStop, {{"reason", "SIGTERM"}})}}),
       3600,
       {3600, 1200, 600, 600, 0, 0, 0, 4.0, false}},
      {"FailedShutdownKeepsCounting",
       Concat({Boot("b1", 0),
               {At(0, kEventJoined), At(1800, kEventShutdownDecision, {{"reason", "idle"}}),
                At(1800, kEventShutdownAction,
                   {{"action", "poweroff"}, {"result", "exit status 1"}})}}),
       3600,
       {3600, 3600, 0, 3600, 0, 0, 0, 4.0, false}},
      {"NeverConfigured",
       {At(0, kEventAgentStart), At(0, kEventBoot, {{"boot_id", "b1"}})},
       600,
       {600, 0, 0, 0, 0, 0, 0, 0, false}},
      {"Empty", {}, 600, {0, 0, 0, 0, 0, 0, 0, 0, false}},
  };
}

void PrintTo(const ReportCase& c, std::ostream* os) { *os << c.name; }

class ComputeReportTest : public ::testing::TestWithParam<ReportCase> {};

TEST_P(ComputeReportTest, Totals) {
  const ReportCase& c = GetParam();
  Report r = ComputeReport(c.records, {.su_per_core_hour = 1.0, .now = kT0 + c.now_offset});
  const Expected& e = c.expected;
  EXPECT_DOUBLE_EQ(r.up_s, e.up_s);
  EXPECT_DOUBLE_EQ(r.joined_s, e.joined_s);
  EXPECT_DOUBLE_EQ(r.busy_s, e.busy_s);
  EXPECT_DOUBLE_EQ(r.idle_s, e.idle_s);
  EXPECT_EQ(r.jobs, e.jobs);
  EXPECT_EQ(r.jobs_running, e.running);
  EXPECT_DOUBLE_EQ(r.core_hours_used, e.used);
  EXPECT_DOUBLE_EQ(r.core_hours_paid, e.paid);
  EXPECT_DOUBLE_EQ(r.charge_su, e.paid);
  EXPECT_DOUBLE_EQ(r.efficiency, e.paid > 0 ? e.used / e.paid : 0);
  EXPECT_EQ(r.shut_down, e.shut_down);
}

INSTANTIATE_TEST_SUITE_P(Cases, ComputeReportTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

TEST(ComputeReport, JobsByProjectAndTheRate) {
  std::vector<LedgerRecord> records = Cases()[2].records;  // OverlappingClaims
  records.push_back(Job(1000, kEventJobStart, "3.0", "", 2));
  Report r = ComputeReport(records, {.su_per_core_hour = 2.5, .now = kT0 + 1900});
  ASSERT_EQ(r.projects.size(), 3u);
  EXPECT_EQ(r.projects["A"].jobs, 1);
  EXPECT_DOUBLE_EQ(r.projects["A"].core_hours, 400 / 3600.0);
  EXPECT_DOUBLE_EQ(r.projects["B"].core_hours, 600 / 3600.0);
  EXPECT_EQ(r.projects[""].running, 1);
  EXPECT_DOUBLE_EQ(r.projects[""].core_hours, 2 * 900 / 3600.0);
  EXPECT_DOUBLE_EQ(r.charge_su, 4 * 1900 / 3600.0 * 2.5);
}

TEST(ComputeReport, ShutdownReasonAndTime) {
  Report r = ComputeReport(WholeLife(), {.now = kT0 + 99999});
  EXPECT_EQ(r.boot_id, "b1");
  EXPECT_EQ(r.shutdown_reason, "idle 25m0s, no claims");
  EXPECT_EQ(r.shutdown_decided_at, kT0 + 3400);
  EXPECT_EQ(r.shutdown_at, kT0 + 3600);
  EXPECT_EQ(r.shutdown_action, "poweroff");
  EXPECT_EQ(r.shutdown_result, "ok");
}

TEST(ComputeReport, BootTimeFromTheBootRecordCountsAsUp) {
  std::vector<LedgerRecord> records = Boot("b1", 30);
  records[1].fields["booted_at"] = kT0;
  EXPECT_DOUBLE_EQ(ComputeReport(records, {.now = kT0 + 3600}).up_s, 3600);
}

// Found by fuzz/ledger_fuzz: cpus and booted_at were cast from any double, 1e300 included.
TEST(ComputeReport, ImplausibleNumbersFromTheLedgerAreIgnored) {
  std::vector<LedgerRecord> records = {
      At(0, kEventBoot, {{"boot_id", "b"}, {"booted_at", -1e300}}),
      At(1, kEventConfigAccepted, {{"cpus", 1e300}}),
  };
  Report report = ComputeReport(records, {1.0, kT0 + 60});
  EXPECT_EQ(report.cpus, 0);
  EXPECT_NE(FormatReport(report), "");
}

// Found by fuzz/ledger_fuzz: a shutdown_action written after the wall clock stepped back ends
// the life before it started, and std::clamp(t, start, end) had lo > hi.
TEST(ComputeReport, AnEndBeforeTheStartIsAnEmptySpan) {
  std::vector<LedgerRecord> records = Boot("b", 100);
  records.push_back(At(0, kEventShutdownAction, {{"action", "poweroff"}, {"result", "ok"}}));
  Report report = ComputeReport(records, {1.0, kT0 + 200});
  EXPECT_EQ(report.ended_at, report.started_at);
  EXPECT_EQ(report.up_s, 0);
}

TEST(FormatReport, Human) {
  EXPECT_EQ(FormatReport(ComputeReport(WholeLife(), {.su_per_core_hour = 0.5, .now = kT0 + 1})),
            "instance:    boot b1, since 2027-01-15 08:00:00 UTC\n"
            "up:          1h0m0s, until 2027-01-15 09:00:00 UTC\n"
            "joined:      59m0s\n"
            "busy:        30m1s\n"
            "idle:        28m59s\n"
            "jobs:        1 run in 1 claim\n"
            "  A     1 jobs      1.00 core-hours\n"
            "core-hours:  1.00 used, 4.00 paid (4 cpus for 1h0m0s)\n"
            "efficiency:  25.0%\n"
            "charge:      2.00 SUs, estimated at 0.50 SU per core-hour\n"
            "shutdown:    poweroff ok at 2027-01-15 09:00:00 UTC: idle 25m0s, no claims\n");
}

TEST(FormatReport, StillUpWithARunningJob) {
  std::string text = FormatReport(ComputeReport(Cases()[1].records, {.now = kT0 + 1900}));
  EXPECT_THAT(text, HasSubstr("up:          31m40s (still up)\n"));
  EXPECT_THAT(text, HasSubstr("jobs:        1 run, 1 still running in 1 claim\n"));
  EXPECT_THAT(text, HasSubstr("  B     1 jobs      1.00 core-hours, 1 running\n"));
  EXPECT_THAT(text, HasSubstr("shutdown:    not yet\n"));
}

TEST(ComputeReport, CountsFailedJobsAndClaims) {
  auto ended = [](double t, const std::string& id, nlohmann::json exit) {
    LedgerRecord record = Job(t, kEventJobEnd, id, "A", 1);
    record.fields.update(exit);
    return record;
  };
  std::vector<LedgerRecord> records = Concat(
      {Boot("b1", 0),
       {At(0, kEventJoined), At(10, kEventClaimStart, {{"slot", "slot1_1"}, {"claim_id", "c1"}}),
        Job(10, kEventJobStart, "1.0", "A", 1), Job(10, kEventJobStart, "2.0", "A", 1),
        Job(10, kEventJobStart, "3.0", "A", 1), Job(10, kEventJobStart, "4.0", "A", 1),
        ended(20, "1.0", {{"exit_code", 0}, {"how", "OF_ITS_OWN_ACCORD"}}),
        ended(20, "2.0", {{"exit_code", 3}}), ended(20, "3.0", {{"exit_signal", 9}}),
        ended(20, "4.0", nlohmann::json::object()),  // the history did not have it: not failed
        // The same slot name, another claim: two claims.
        At(30, kEventClaimEnd, {{"slot", "slot1_1"}, {"claim_id", "c1"}}),
        At(40, kEventClaimStart, {{"slot", "slot1_1"}, {"claim_id", "c2"}})}});
  Report r = ComputeReport(records, {.now = kT0 + 100});
  EXPECT_EQ(r.jobs, 4);
  EXPECT_EQ(r.jobs_failed, 2);
  EXPECT_EQ(r.claims, 2);
  EXPECT_THAT(FormatReport(r), HasSubstr("jobs:        4 run, 2 failed in 2 claims\n"));
  EXPECT_EQ(ReportToJson(r)["jobs_failed"], 2);
}

TEST(ReportToJson, HasEveryFigure) {
  nlohmann::json json = ReportToJson(ComputeReport(WholeLife(), {.now = kT0 + 1}));
  EXPECT_EQ(json["up_s"], 3600.0);
  EXPECT_EQ(json["cpus"], 4);
  EXPECT_EQ(json["projects"]["A"]["jobs"], 1);
  EXPECT_EQ(json["efficiency"], 0.25);
  EXPECT_EQ(json["shutdown"]["action"], "poweroff");
  EXPECT_EQ(json["shutdown"]["at"], kT0 + 3600);
  EXPECT_TRUE(ReportToJson(Report{})["shutdown"]["at"].is_null());
}

}  // namespace
}  // namespace osg
