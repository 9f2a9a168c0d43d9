#include "start_switch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_env.h"

namespace osg {
namespace {

constexpr const char* kStopping = "/etc/condor/config.d/90-osg-worker-stopping.conf";

TEST(TurnStartOff, WritesTheFileReconfigsAndWaitsForTheStartdToSayIt) {
  FakeEnv env;
  FakeCondorTools startd;
  startd.polls_until_off = 3;  // a reconfig that takes 300 ms to reach the startd
  startd.holds.claims = 1;
  TimePoint began = env.steady;
  StartOffResult result = TurnStartOff(env, startd, kStopping, Seconds(20));
  ASSERT_TRUE(result.status.ok()) << result.status.message();
  EXPECT_THAT(env.files[kStopping], ::testing::HasSubstr("OSG_WORKER_ACCEPTING = False"));
  EXPECT_EQ(startd.reconfigs, 1);
  EXPECT_EQ(env.steady - began, std::chrono::milliseconds(300));
  ASSERT_TRUE(result.holds);
  EXPECT_EQ(result.holds->claims, 1);  // read after START was confirmed off
}

TEST(TurnStartOff, AStartdThatNeverTurnsItOffFailsAtTheTimeout) {
  FakeEnv env;
  FakeCondorTools startd;
  startd.polls_until_off = std::nullopt;
  TimePoint began = env.steady;
  StartOffResult result = TurnStartOff(env, startd, kStopping, Seconds(20));
  EXPECT_FALSE(result.status.ok());
  EXPECT_EQ(result.status.message(), "the startd still accepts claims 20s after condor_reconfig");
  EXPECT_GE(env.steady - began, Seconds(20));
  EXPECT_LT(env.steady - began, Seconds(21));
  EXPECT_FALSE(result.holds);
}

TEST(TurnStartOff, AWriteThatFailsIsSaidAndNothingElseIsTried) {
  FakeEnv env;
  env.fail_writes = true;
  FakeCondorTools startd;
  StartOffResult result = TurnStartOff(env, startd, kStopping, Seconds(20));
  EXPECT_THAT(result.status.message(), ::testing::HasSubstr("No space left on device"));
  EXPECT_EQ(startd.reconfigs, 0);
}

TEST(TurnStartOff, AStartdThatStopsAnsweringFails) {
  FakeEnv env;
  FakeCondorTools startd;
  startd.answers = false;
  StartOffResult result = TurnStartOff(env, startd, kStopping, Seconds(5));
  EXPECT_FALSE(result.status.ok());
}

TEST(TurnStartOn, RemovesTheFileAndReconfigs) {
  FakeEnv env;
  FakeCondorTools startd;
  env.files[kStopping] = "x";
  EXPECT_TRUE(TurnStartOn(env, startd, kStopping).ok());
  EXPECT_EQ(env.files.count(kStopping), 0u);
  EXPECT_EQ(startd.reconfigs, 1);
}

}  // namespace
}  // namespace osg
