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

// A fake machine: records each power-off command, fails those listed in `failing`.
struct FakePowerOff {
  std::vector<std::vector<std::string>> ran;
  int kernel_calls = 0;
  int fail_status = 0;
  PowerOffSeams Seams(bool systemd) {
    return {.systemd = systemd,
            .run =
                [this](const std::vector<std::string>& argv) {
                  ran.push_back(argv);
                  return CommandResult{fail_status, ""};
                },
            .kernel_power_off =
                [this] {
                  ++kernel_calls;
                  errno = EPERM;
                  return -1;
                }};
  }
};

TEST(EscalatePowerOff, SystemctlThenForcedThenTheKernel) {
  FakePowerOff machine;
  machine.fail_status = 1;
  ShutdownStep clean = EscalatePowerOff(0, machine.Seams(true));
  EXPECT_EQ(clean.action, "poweroff");
  EXPECT_FALSE(clean.ok);
  EXPECT_EQ(clean.detail, "exit status 1");
  ShutdownStep forced = EscalatePowerOff(1, machine.Seams(true));
  EXPECT_EQ(forced.action, "poweroff-force");
  ShutdownStep kernel = EscalatePowerOff(2, machine.Seams(true));
  EXPECT_EQ(kernel.action, "poweroff-kernel");
  EXPECT_FALSE(kernel.ok);
  EXPECT_THAT(kernel.detail, ::testing::HasSubstr("Operation not permitted"));
  EXPECT_EQ(machine.ran, (std::vector<std::vector<std::string>>{
                             {"systemctl", "poweroff"}, {"systemctl", "poweroff", "--force"}}));
  EXPECT_EQ(machine.kernel_calls, 1);
}

TEST(EscalatePowerOff, WithoutSystemdThePlainCommands) {
  FakePowerOff machine;
  EXPECT_TRUE(EscalatePowerOff(0, machine.Seams(false)).ok);
  EXPECT_TRUE(EscalatePowerOff(1, machine.Seams(false)).ok);
  EXPECT_EQ(machine.ran,
            (std::vector<std::vector<std::string>>{{"poweroff"}, {"poweroff", "-f"}}));
  EXPECT_EQ(machine.kernel_calls, 0);
}

}  // namespace
}  // namespace osg
