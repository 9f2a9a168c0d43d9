#include "pool_view.h"

#include <gtest/gtest.h>

#include "files.h"

namespace osg {
namespace {

constexpr const char* kGroupA = "Group A \"quoted\" back\\slash";

std::string Captured(const std::string& name) {
  // Real `condor_status -json -attributes <kPoolAttributes>` output from the local pool: wa1 and
  // wa2 idle in group A, wb1 in group B running one job in a dynamic slot.
  std::optional<std::string> text = ReadFile(std::string(OSG_TESTDATA_DIR) + "/pool/" + name);
  EXPECT_TRUE(text.has_value()) << name;
  return text.value_or("");
}

TEST(QuoteClassAdString, OldSyntaxOnlyQuotesAreEscaped) {
  struct Case {
    const char* text;
    const char* quoted;
  } cases[] = {
      {"My Test Workers", "\"My Test Workers\""},
      {"a\"b", "\"a\\\"b\""},
      {"back\\slash", "\"back\\slash\""},  // literal in the old syntax: size("a\b") is 3
      {"a\\\"b", "\"a\\\\\"b\""},           // a\"b: the backslash stays, the quote is escaped
      {"", "\"\""},
      {"é $(X)", "\"é $(X)\""},
  };
  for (const Case& c : cases) EXPECT_EQ(QuoteClassAdString(c.text), c.quoted) << c.text;
}

TEST(GroupConstraint, SeedQueryOrStrcatForATrailingBackslash) {
  EXPECT_EQ(GroupConstraint("My Test Workers"), "WorkerGroupName == \"My Test Workers\"");
  EXPECT_EQ(GroupConstraint(kGroupA), "WorkerGroupName == \"Group A \\\"quoted\\\" back\\slash\"");
  EXPECT_EQ(GroupConstraint("end\\"), "strcat(WorkerGroupName, \"#\") == \"end\\#\"");
}

TEST(PoolQueryArgv, OneArgumentForTheConstraintNoShell) {
  std::vector<std::string> expected = {"condor_status", "-pool",  "cm.example.org",
                                       "-const",        "WorkerGroupName == \"a b\"",
                                       "-json",         "-attributes", kPoolAttributes};
  EXPECT_EQ(PoolQueryArgv("a b", "cm.example.org"), expected);
  EXPECT_EQ(PoolQueryArgv("a b", "")[1], "-const");  // no -pool: the local COLLECTOR_HOST
}

TEST(ParsePoolView, AggregatesCapturedSlotAdsPerMachine) {
  std::string all = Captured("all_groups.json");
  struct Case {
    std::string group;
    std::vector<std::string> names;
    std::vector<std::string> states;
    std::vector<double> busy, total;
    std::vector<int> jobs;
  } cases[] = {
      {kGroupA, {"wa1.osgpool.test", "wa2.osgpool.test"}, {"Idle", "Idle"}, {0, 0}, {2, 2}, {0, 0}},
      {"Group B", {"wb1.osgpool.test"}, {"Busy"}, {1}, {2}, {1}},
      {"Group A \"quoted\" back", {}, {}, {}, {}, {}},  // a prefix is another group
  };
  for (const Case& c : cases) {
    PoolView view = ParsePoolView(all, c.group);
    ASSERT_TRUE(view.error.empty()) << view.error;
    ASSERT_EQ(view.workers.size(), c.names.size()) << c.group;
    for (size_t i = 0; i < c.names.size(); ++i) {
      const WorkerRow& w = view.workers[i];
      EXPECT_EQ(w.name, c.names[i]);
      EXPECT_EQ(w.state, c.states[i]);
      EXPECT_EQ(w.cores_busy, c.busy[i]) << w.name;
      EXPECT_EQ(w.cores_total, c.total[i]) << w.name;
      EXPECT_EQ(w.jobs, c.jobs[i]) << w.name;
    }
  }
  PoolView a = ParsePoolView(all, kGroupA);
  EXPECT_EQ(a.workers[0].started_at, 1795556674);
  EXPECT_EQ(a.workers[0].idle_since, 1795556676);
  EXPECT_EQ(a.workers[0].shutdown_at, 1795563876);
  PoolView b = ParsePoolView(Captured("group_b_busy.json"), "Group B");
  ASSERT_EQ(b.workers.size(), 1u);
  EXPECT_FALSE(b.workers[0].shutdown_at.has_value());  // null in the JSON: undefined in the ad
  EXPECT_FALSE(b.workers[0].idle_since.has_value());
}

TEST(ParsePoolView, StaticSlotsAndEdgeCases) {
  // Written by hand in condor_status's shape: two static slots, one retiring with its job.
  std::string static_slots = R"([
    {"Name": "slot1@s1", "Machine": "s1", "SlotType": "Static", "State": "Claimed",
     "Activity": "Retiring", "Cpus": 4, "WorkerGroupName": "G", "OSGWorkerState": "Retiring"},
    {"Name": "slot2@s1", "Machine": "s1", "SlotType": "Static", "State": "Unclaimed",
     "Activity": "Idle", "Cpus": 4, "WorkerGroupName": "G", "OSGWorkerState": "Retiring"},
    {"Name": "slot1@old", "SlotType": "Static", "State": "Claimed", "Activity": "Idle",
     "Cpus": 2.0, "WorkerGroupName": "G"}
  ])";
  PoolView view = ParsePoolView(static_slots, "G");
  ASSERT_TRUE(view.error.empty());
  ASSERT_EQ(view.workers.size(), 2u);
  EXPECT_EQ(view.workers[0].name, "old");  // no Machine: the host part of Name
  EXPECT_EQ(view.workers[0].state, "");    // an ordinary startd: no OSGWorkerState
  EXPECT_EQ(view.workers[0].cores_busy, 2);
  EXPECT_EQ(view.workers[0].jobs, 0);  // claimed but no job yet
  EXPECT_EQ(view.workers[1].cores_busy, 4);
  EXPECT_EQ(view.workers[1].cores_total, 8);
  EXPECT_EQ(view.workers[1].jobs, 1);

  EXPECT_TRUE(ParsePoolView("", "G").workers.empty());  // condor_status prints nothing for no ad
  EXPECT_TRUE(ParsePoolView("\n", "G").error.empty());
  EXPECT_FALSE(ParsePoolView("Error: communication error", "G").error.empty());
  EXPECT_FALSE(ParsePoolView("{\"Name\": 1}", "G").error.empty());
}

// Found by fuzz/pool_view: a time past int64_t's range was converted anyway (undefined
// behaviour), and one near its edge overflowed the uptime and countdown arithmetic.
TEST(ParsePoolView, TimesNoClockGivesAreUndefined) {
  PoolView view = ParsePoolView(R"([{"Machine": "h", "WorkerGroupName": "G",
      "DaemonStartTime": 1e300, "OSGWorkerShutdownTime": -9.2e18, "OSGWorkerIdleSince": -1,
      "OSGWorkerRetireTime": 1796161503.5}])",
                                "G");
  ASSERT_EQ(view.workers.size(), 1u);
  EXPECT_FALSE(view.workers[0].started_at);
  EXPECT_FALSE(view.workers[0].shutdown_at);
  EXPECT_FALSE(view.workers[0].idle_since);
  EXPECT_EQ(view.workers[0].retire_at, 1796161503);
  std::string table = FormatPoolView(view, 1'700'000'000);
  EXPECT_NE(table.find("\nh     ?             0/0        0  -"), std::string::npos) << table;
}

TEST(FormatPoolView, HeaderRowsAndTotal) {
  PoolView view = ParsePoolView(Captured("all_groups.json"), kGroupA);
  view.workers[1].state = "Busy";  // as if wa2 had taken a job
  view.workers[1].cores_busy = 1;
  view.workers[1].jobs = 1;
  view.workers[1].idle_since.reset();
  view.workers[1].shutdown_at.reset();
  int64_t now = 1795556674 + 3600 + 61;  // wa1 idle since 1795556676
  EXPECT_EQ(FormatPoolView(view, now),
            "NAME              STATE         CORES   JOBS  UPTIME      IDLE MIN  SHUTDOWN IN\n"
            "wa1.osgpool.test  Idle          0/2        0  1h1m1s      60        59m1s\n"
            "wa2.osgpool.test  Busy          1/2        1  1h1m1s      -         -\n"
            "total: 2 workers, 1/4 cores busy, 1 job running; 1 Busy, 1 Idle\n");
  EXPECT_NE(FormatPoolView(view, 1795563876 + 5).find("due"), std::string::npos);
  EXPECT_EQ(FormatPoolView(PoolView{}, now),
            "NAME  STATE         CORES   JOBS  UPTIME      IDLE MIN  SHUTDOWN IN\n"
            "total: 0 workers, 0/0 cores busy, 0 jobs running\n");
}

TEST(PoolViewToJson, SameFacts) {
  PoolView view = ParsePoolView(Captured("all_groups.json"), "Group B");
  nlohmann::json json = PoolViewToJson(view, 1795556781);
  ASSERT_EQ(json["workers"].size(), 1u);
  const nlohmann::json& w = json["workers"][0];
  EXPECT_EQ(w["name"], "wb1.osgpool.test");
  EXPECT_EQ(w["state"], "Busy");
  EXPECT_EQ(w["cores_busy"], 1.0);
  EXPECT_EQ(w["cores_total"], 2.0);
  EXPECT_EQ(w["jobs"], 1);
  EXPECT_EQ(w["uptime_s"], 76);
  EXPECT_TRUE(w["shutdown_in_s"].is_null());
  EXPECT_TRUE(w["idle_minutes"].is_null());
  EXPECT_EQ(json["total"]["jobs"], 1);
  EXPECT_EQ(json["total"]["states"]["Busy"], 1);
}

}  // namespace
}  // namespace osg
