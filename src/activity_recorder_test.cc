#include "activity_recorder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ledger.h"

namespace osg {
namespace {

using ::testing::ElementsAre;

class ActivityRecorderTest : public ::testing::Test {
 protected:
  ActivityRecorderTest()
      : recorder_(
            [this](const char* event, nlohmann::json fields) {
              events_.push_back(std::string(event) + " " + fields.dump());
            },
            [this](const std::string& id) -> std::optional<JobExit> {
              lookups_.push_back(id);
              if (id == "g1") return JobExit{3, std::nullopt, "OF_ITS_OWN_ACCORD"};
              return std::nullopt;
            }) {}

  static Observation With(std::vector<HeldClaim> held, std::vector<RunningJob> running) {
    Observation o;
    o.held = std::move(held);
    o.running = std::move(running);
    o.claims = static_cast<int>(o.held.size());
    o.jobs = static_cast<int>(o.running.size());
    return o;
  }

  std::vector<std::string> events_;
  std::vector<std::string> lookups_;
  ActivityRecorder recorder_;
};

TEST_F(ActivityRecorderTest, OneStartAndOneEndPerClaimAndJobWithTheExit) {
  HeldClaim claim{"slot1_1@w", "<1.2.3.4>#1#1", "alice", 1};
  RunningJob job{"7.0", "alice", "TG-A", 1, "g1"};
  recorder_.Observe(With({claim}, {job}));
  recorder_.Observe(With({claim}, {job}));  // nothing new
  recorder_.Observe(With({}, {}));
  EXPECT_THAT(
      events_,
      ElementsAre(
          R"(claim_start {"claim_id":"<1.2.3.4>#1#1","cpus":1.0,"owner":"alice","slot":"slot1_1@w"})",
          R"(job_start {"cpus":1.0,"job_id":"7.0","owner":"alice","project":"TG-A"})",
          R"(claim_end {"claim_id":"<1.2.3.4>#1#1","cpus":1.0,"owner":"alice","slot":"slot1_1@w"})",
          R"(job_end {"cpus":1.0,"exit_code":3,"how":"OF_ITS_OWN_ACCORD","job_id":"7.0","owner":"alice","project":"TG-A"})"));
  EXPECT_THAT(lookups_, ElementsAre("g1"));
}

TEST_F(ActivityRecorderTest, AMatchedSlotBecomingClaimedIsANewClaim) {
  // While Matched the startd gives no claim id: the slot is the key; the id, once known, is new.
  recorder_.Observe(With({{"slot1_1@w", "", "bob", 2}}, {}));
  recorder_.Observe(With({{"slot1_1@w", "<c>#9", "bob", 2}}, {}));
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_THAT(events_[0], ::testing::StartsWith("claim_start"));
  EXPECT_THAT(events_[1], ::testing::StartsWith("claim_start"));
  EXPECT_THAT(events_[2], ::testing::StartsWith("claim_end"));
}

TEST_F(ActivityRecorderTest, AJobWithoutHistoryEndsWithoutAnExit) {
  RunningJob job{"8.0", "carol", "", 4, "g2"};
  recorder_.Observe(With({}, {job}));
  recorder_.Observe(With({}, {}));
  EXPECT_EQ(events_.back(), R"(job_end {"cpus":4.0,"job_id":"8.0","owner":"carol","project":""})");
}

}  // namespace
}  // namespace osg
