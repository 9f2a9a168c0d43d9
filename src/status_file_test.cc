#include "status_file.h"

#include <gtest/gtest.h>

namespace osg {
namespace {

TEST(WorkerState, RoundTripsThroughJson) {
  WorkerState s;
  s.agent_pid = 12;
  s.phase = "Idle";
  s.joined = true;
  s.claims = 1;
  s.joined_at = 1800000000;
  s.shutdown_at = 1800001500;
  s.diagnosis = "token rejected by the pool: x";
  s.ledger_error = "No space left on device";
  s.job_firewall = "jobs cannot reach 169.254.169.254";
  s.job_firewall_ok = true;
  s.job_firewall_reinstalls = 2;
  std::optional<WorkerState> back = WorkerStateFromJson(WorkerStateToJson(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->agent_pid, 12);
  EXPECT_EQ(back->phase, "Idle");
  EXPECT_TRUE(back->joined);
  EXPECT_EQ(back->claims, 1);
  EXPECT_EQ(back->joined_at, 1800000000);
  EXPECT_EQ(back->idle_since, std::nullopt);
  EXPECT_EQ(back->shutdown_at, 1800001500);
  EXPECT_EQ(back->diagnosis, s.diagnosis);
  EXPECT_EQ(back->ledger_error, s.ledger_error);
  EXPECT_EQ(back->job_firewall, s.job_firewall);
  EXPECT_TRUE(back->job_firewall_ok);
  EXPECT_EQ(back->job_firewall_reinstalls, 2);
}

// The diagnosis quotes HTCondor's logs; a stray byte there threw from the JSON writer before.
TEST(WorkerState, WritesInvalidUtf8AsReplacementCharacters) {
  WorkerState s;
  s.diagnosis = "central manager unreachable: host \xff\xfe";
  std::string json;
  ASSERT_NO_THROW(json = WorkerStateToJson(s));
  std::optional<WorkerState> back = WorkerStateFromJson(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->diagnosis, "central manager unreachable: host \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(WorkerState, RejectsGarbage) {
  EXPECT_FALSE(WorkerStateFromJson("{"));
  EXPECT_FALSE(WorkerStateFromJson("[]"));
  EXPECT_FALSE(WorkerStateFromJson(R"({"claims":"many"})"));
  // Numbers no field holds: found by fuzz/worker_state_fuzz (a float-to-int overflow before).
  EXPECT_FALSE(WorkerStateFromJson(R"({"claims":1e300})"));
  EXPECT_FALSE(WorkerStateFromJson(R"({"jobs":4294967296})"));
  EXPECT_FALSE(WorkerStateFromJson(R"({"shutdown_at":1.5})"));
  EXPECT_FALSE(WorkerStateFromJson(R"({"agent_pid":18446744073709551615})"));
  EXPECT_EQ(WorkerStateFromJson(R"({"agent_pid":-1,"claims":2147483647})")->claims, 2147483647);
}

}  // namespace
}  // namespace osg
