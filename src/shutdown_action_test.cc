#include "shutdown_action.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;

// A cloud that answers from scripts and counts calls.
class FakeCloud : public CloudInstance {
 public:
  Status FetchIdentity() override { return identity; }
  std::string Name() const override { return "fake i-1"; }
  CloudResult Delete() override { return Next(deletes); }
  bool CanShelve() const override { return can_shelve; }
  CloudResult Shelve() override { return Next(shelves); }

  Status identity = Status::Ok();
  bool can_shelve = true;
  std::deque<Outcome> deletes, shelves;

 private:
  static CloudResult Next(std::deque<Outcome>& script) {
    Outcome outcome = script.empty() ? Outcome::kRetry : script.front();
    if (!script.empty()) script.pop_front();
    return {outcome, "scripted"};
  }
};

struct Trace {
  std::vector<std::string> steps;  // "delete ok", "shelve failed", ...
  std::vector<Seconds> sleeps;
  bool gone = false;
};

Trace Remove(FakeCloud& cloud, ShutdownAction::Kind kind) {
  Trace run;
  run.gone = RemoveThroughCloud(
      cloud, kind,
      [&](const ShutdownStep& step) {
        run.steps.push_back(step.action + (step.ok ? " ok" : " failed"));
        EXPECT_THAT(step.detail, ::testing::AnyOf(::testing::StartsWith("fake i-1: "),
                                                  ::testing::StartsWith("cannot read")));
      },
      [&](Seconds wait) { run.sleeps.push_back(wait); });
  return run;
}

using ::testing::ElementsAre;

TEST(RemoveThroughCloud, DeleteDone) {
  FakeCloud cloud;
  cloud.deletes = {Outcome::kDone};
  Trace run = Remove(cloud, ShutdownAction::Kind::kDelete);
  EXPECT_TRUE(run.gone);
  EXPECT_THAT(run.steps, ElementsAre("delete ok"));
}

TEST(RemoveThroughCloud, AlreadyGoneIsSuccess) {
  FakeCloud cloud;
  cloud.deletes = {Outcome::kAlreadyGone};
  EXPECT_TRUE(Remove(cloud, ShutdownAction::Kind::kDelete).gone);
}

TEST(RemoveThroughCloud, RetriesWithBackoffThenSucceeds) {
  FakeCloud cloud;
  cloud.deletes = {Outcome::kRetry, Outcome::kRetry, Outcome::kDone};
  Trace run = Remove(cloud, ShutdownAction::Kind::kDelete);
  EXPECT_TRUE(run.gone);
  EXPECT_THAT(run.steps, ElementsAre("delete failed", "delete failed", "delete ok"));
  EXPECT_THAT(run.sleeps, ElementsAre(Seconds(1), Seconds(2)));
}

TEST(RemoveThroughCloud, NeverAnsweringGivesUpWithoutShelving) {
  FakeCloud cloud;  // every delete: retry
  Trace run = Remove(cloud, ShutdownAction::Kind::kDelete);
  EXPECT_FALSE(run.gone);
  EXPECT_EQ(run.steps.size(), static_cast<size_t>(kCloudAttempts));
  EXPECT_THAT(run.sleeps, ElementsAre(Seconds(1), Seconds(2), Seconds(4), Seconds(8)));
}

TEST(RemoveThroughCloud, RefusedDeleteShelves) {
  FakeCloud cloud;
  cloud.deletes = {Outcome::kRefused};
  cloud.shelves = {Outcome::kDone};
  Trace run = Remove(cloud, ShutdownAction::Kind::kDelete);
  EXPECT_TRUE(run.gone);
  EXPECT_THAT(run.steps, ElementsAre("delete failed", "shelve ok"));
  EXPECT_TRUE(run.sleeps.empty());
}

TEST(RemoveThroughCloud, RefusedDeleteAndShelveFail) {
  FakeCloud cloud;
  cloud.deletes = {Outcome::kRefused};
  cloud.shelves = {Outcome::kRefused};
  Trace run = Remove(cloud, ShutdownAction::Kind::kDelete);
  EXPECT_FALSE(run.gone);  // the caller powers off
  EXPECT_THAT(run.steps, ElementsAre("delete failed", "shelve failed"));
}

TEST(RemoveThroughCloud, CloudWithoutShelveStopsAtTheRefusal) {
  FakeCloud cloud;
  cloud.can_shelve = false;
  cloud.deletes = {Outcome::kRefused};
  Trace run = Remove(cloud, ShutdownAction::Kind::kDelete);
  EXPECT_FALSE(run.gone);
  EXPECT_THAT(run.steps, ElementsAre("delete failed"));
}

TEST(RemoveThroughCloud, ShelveOnlyShelves) {
  FakeCloud cloud;
  cloud.shelves = {Outcome::kRetry, Outcome::kAlreadyGone};
  Trace run = Remove(cloud, ShutdownAction::Kind::kShelve);
  EXPECT_TRUE(run.gone);
  EXPECT_THAT(run.steps, ElementsAre("shelve failed", "shelve ok"));
}

TEST(RemoveThroughCloud, NoIdentityNoRequest) {
  FakeCloud cloud;
  cloud.identity = Status::Error("metadata service unreachable");
  cloud.deletes = {Outcome::kDone};
  Trace run = Remove(cloud, ShutdownAction::Kind::kDelete);
  EXPECT_FALSE(run.gone);
  EXPECT_THAT(run.steps, ElementsAre("delete failed"));
  EXPECT_EQ(cloud.deletes.size(), 1u);
}

}  // namespace
}  // namespace osg
