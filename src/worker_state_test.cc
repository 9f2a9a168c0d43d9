#include "worker_state.h"

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
}

TEST(WorkerState, RejectsGarbage) {
  EXPECT_FALSE(WorkerStateFromJson("{"));
  EXPECT_FALSE(WorkerStateFromJson("[]"));
  EXPECT_FALSE(WorkerStateFromJson(R"({"claims":"many"})"));
}

}  // namespace
}  // namespace osg
