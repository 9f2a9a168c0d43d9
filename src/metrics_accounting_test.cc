#include "metrics_accounting.h"

#include <gtest/gtest.h>

namespace osg {
namespace {

using std::chrono::seconds;

TEST(MetricsAccounting, EachIntervalCountsInTheStateItBeganIn) {
  TimePoint t0 = TimePoint() + std::chrono::hours(1);
  MetricsAccounting metrics(t0);
  metrics.Account(t0, false, false);                // joining: counts as neither
  metrics.Account(t0 + seconds(10), false, true);   // joined, idle from here
  metrics.Account(t0 + seconds(40), true, true);    // 30 s idle; busy from here
  metrics.Account(t0 + seconds(100), false, true);  // 60 s busy
  metrics.Account(t0 + seconds(105), false, true);  // 5 s idle
  EXPECT_DOUBLE_EQ(metrics.idle_seconds(), 35);
  EXPECT_DOUBLE_EQ(metrics.busy_seconds(), 60);
}

TEST(MetricsAccounting, AJobIsCountedOnce) {
  MetricsAccounting metrics(TimePoint{});
  RunningJob a{"1.0", "u", "", 1, "g1"};
  RunningJob b{"2.0", "u", "", 1, "g2"};
  metrics.SawJobs({a});
  metrics.SawJobs({a, b});
  metrics.SawJobs({b});
  EXPECT_EQ(metrics.jobs_total(), 2);
}

TEST(MetricsAccounting, RestoresOnlyThisBootsCounts) {
  std::vector<LedgerRecord> records = {
      {100, kEventAgentStart, {}},
      {100, kEventBoot, {{"boot_id", "old"}}},
      {110, kEventJobStart, {{"job_id", "1.0"}}},
      {200, kEventAgentStart, {}},
      {200, kEventBoot, {{"boot_id", "now"}}},
      {210, kEventJobStart, {{"job_id", "5.0"}}},
      {211, kEventJobStart, {{"job_id", "6.0"}}},
  };
  MetricsAccounting metrics(TimePoint{});
  metrics.Restore(records, "now", 300);
  EXPECT_EQ(metrics.jobs_total(), 2);
  MetricsAccounting after_reboot(TimePoint{});
  after_reboot.Restore(records, "newer", 300);
  EXPECT_EQ(after_reboot.jobs_total(), 0);
  EXPECT_DOUBLE_EQ(after_reboot.busy_seconds(), 0);
}

}  // namespace
}  // namespace osg
