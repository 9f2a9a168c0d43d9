#include "scale_controller.h"

#include <gtest/gtest.h>

#include "fake_fleet.h"
#include "files.h"
#include "test_temp_dir.h"

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;
using Cloud = ScaledWorker::Cloud;

class ScaleControllerTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    setup_.spec.group = "G";
    setup_.config_text = "WorkerGroupName = G\n";
    setup_.record_path = dir_ + "/record.json";
    setup_.limits.max_workers = 3;
    setup_.limits.cores_per_worker = 1;
    setup_.limits.cooldown = 60;
    setup_.limits.join_timeout = 900;
    world_.fleet = &fleet_;
    world_.demand = [this] { return demand_; };
    world_.pool = [this](std::string* error) -> std::optional<PoolView> {
      if (!pool_ok_) {
        *error = "collector down";
        return std::nullopt;
      }
      PoolView view;
      for (const std::string& name : joined_) view.workers.push_back({.name = name, .launch_name = name});
      return view;
    };
    world_.now = [this] { return now_; };
    world_.sleep = [](std::chrono::seconds) {};
    world_.log = [this](const std::string& line) { log_.push_back(line); };
  }

  ScaleController Controller() {
    ScaleController controller(setup_, world_);
    EXPECT_TRUE(controller.Start().ok());
    return controller;
  }

  void JoinAll() {
    for (const auto& [id, instance] : fleet_.instances) {
      joined_.push_back(instance.name);
      fleet_.SetState(id, Cloud::kActive, "ACTIVE");
    }
  }

  bool Logged(const std::string& text) const {
    for (const std::string& line : log_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  FakeFleet fleet_;
  ScaleSetup setup_;
  ScaleWorld world_;
  QueueDemand demand_{.jobs = 12, .cores = 12};
  std::vector<std::string> joined_;
  bool pool_ok_ = true;
  int64_t now_ = 1000000;
  std::vector<std::string> log_;
};

TEST_F(ScaleControllerTest, TwelveJobsWithMaxThreeLaunchThreeThenNoMore) {
  ScaleController controller = Controller();
  ScaleRound round = controller.Round();
  ASSERT_TRUE(round.ok);
  EXPECT_EQ(fleet_.instances.size(), 3u);
  EXPECT_EQ(round.instances, 3);
  EXPECT_TRUE(Logged("scale: demand 12 cores, 0 running, 0 booting: launch 3")) << log_[0];
  ASSERT_EQ(controller.record().workers.size(), 3u);
  for (const LaunchedWorker& w : controller.record().workers) EXPECT_FALSE(w.id.empty());

  now_ += 120;
  JoinAll();
  round = Controller().Round();  // a fresh controller: the record carries over
  EXPECT_EQ(fleet_.instances.size(), 3u);
  EXPECT_TRUE(Logged("3 running, 0 booting: launch 0 (at the maximum of 3 workers)"));
  EXPECT_TRUE(Logged(" joined, 120 s after its launch"));
}

TEST_F(ScaleControllerTest, WorkersThatDeleteThemselvesEndInTheRecordWhichAddsUp) {
  ScaleController controller = Controller();
  controller.Round();
  now_ += 100;
  JoinAll();
  controller.Round();
  now_ += 3500;  // each ran 3600 s in all, then deleted itself
  fleet_.instances.clear();
  demand_ = {};
  ScaleRound round = controller.Round();
  EXPECT_EQ(round.instances, 0);
  for (const LaunchedWorker& w : controller.record().workers) {
    ASSERT_TRUE(w.ended_at);
    EXPECT_EQ(*w.ended_at - w.launched_at, 3600);
    EXPECT_TRUE(w.joined);
  }
  EXPECT_DOUBLE_EQ(SusUsed(controller.record(), now_ + 1000), 3.0);
  EXPECT_TRUE(Logged("launch 0 (no idle job for this group)"));
}

TEST_F(ScaleControllerTest, AWorkerThatNeverJoinsIsDeletedAndTheNextGoOneAtATime) {
  setup_.limits.max_workers = 10;
  ScaleController controller = Controller();
  controller.Round();
  ASSERT_EQ(fleet_.instances.size(), 3u);
  now_ += 901;
  controller.Round();  // none joined in 900 s: all three deleted, none launched that round
  EXPECT_TRUE(fleet_.instances.empty());
  EXPECT_TRUE(Logged("not joined 901 s after its launch"));
  EXPECT_TRUE(controller.record().join_failed_since_last_join);
  now_ += 60;
  controller.Round();
  EXPECT_EQ(fleet_.instances.size(), 1u);  // one at a time until one joins: no storm
  now_ += 60;
  controller.Round();
  EXPECT_EQ(fleet_.instances.size(), 1u);
  JoinAll();
  now_ += 60;
  controller.Round();
  EXPECT_FALSE(controller.record().join_failed_since_last_join);
  EXPECT_EQ(fleet_.instances.size(), 4u);
}

TEST_F(ScaleControllerTest, TheBudgetStopsLaunching) {
  setup_.limits.budget_sus = 1.0;
  setup_.limits.max_workers = 10;
  ScaleController controller = Controller();
  controller.Round();
  JoinAll();
  now_ += 1300;  // 3 workers x 1300 s = 1.08 SUs
  fleet_.instances.clear();
  controller.Round();
  EXPECT_TRUE(fleet_.instances.empty());
  EXPECT_TRUE(Logged("launch 0 (budget reached: 1.1 of 1.0 SUs used)"));
}

TEST_F(ScaleControllerTest, OrphansOfTheGroupAreDeleted) {
  ScaleController controller = Controller();
  controller.Round();
  JoinAll();
  std::string stopped = fleet_.instances.begin()->first;
  fleet_.SetState(stopped, Cloud::kStopped, "SHUTOFF");
  now_ += 120;
  controller.Round();
  EXPECT_EQ(fleet_.instances.count(stopped), 0u);
  EXPECT_TRUE(Logged("(orphan: stopped): done"));
}

TEST_F(ScaleControllerTest, StartWritesTheRecordOrRefusesToRun) {
  ScaleController controller = Controller();
  std::optional<std::string> written = ReadFile(setup_.record_path);
  ASSERT_TRUE(written.has_value()) << "no record before the first round";
  EXPECT_NE(written->find("\"G\""), std::string::npos) << *written;

  setup_.record_path = dir_ + "/not-a-directory/record.json";
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/not-a-directory", "", 0600).ok());
  ScaleController unwritable(setup_, world_);
  EXPECT_FALSE(unwritable.Start().ok());
}

TEST_F(ScaleControllerTest, NothingIsDecidedWithoutTheCloudThePoolOrTheQueue) {
  ScaleController controller = Controller();
  fleet_.list_results = {{Outcome::kRetry, "Nova answered HTTP 503"}};
  EXPECT_FALSE(controller.Round().ok);
  pool_ok_ = false;
  EXPECT_FALSE(controller.Round().ok);
  pool_ok_ = true;
  demand_.error = "condor_q failed";
  EXPECT_FALSE(controller.Round().ok);
  EXPECT_TRUE(fleet_.instances.empty());
  EXPECT_TRUE(Logged("cannot read the pool (collector down): nothing decided"));
}

TEST_F(ScaleControllerTest, AFailedLaunchEndsItsRecordAtOnce) {
  fleet_.create_results = {{Outcome::kRefused, "Nova answered HTTP 400 (badRequest: Flavor not found)"}};
  ScaleController controller = Controller();
  controller.Round();
  EXPECT_TRUE(fleet_.instances.empty());
  ASSERT_EQ(controller.record().workers.size(), 1u);  // it stopped after the first failure
  EXPECT_TRUE(controller.record().workers[0].ended_at);
  EXPECT_TRUE(Logged("scale: launch failed: creating "));
}

TEST_F(ScaleControllerTest, ALaunchCutShortByACrashEndsOrIsAdopted) {
  ScaleRecord record;
  record.group = "G";
  record.workers = {{.id = "", .launched_at = now_ - 30, .cores = 1, .name = "g-lost"},
                    {.id = "", .launched_at = now_ - 30, .cores = 1, .name = "g-made"}};
  ASSERT_TRUE(SaveScaleRecord(setup_.record_path, record).ok());
  std::string id;
  fleet_.Create(setup_.spec, "g-made", "", &id);  // the create happened; its answer was lost
  demand_ = {};
  ScaleController controller = Controller();
  controller.Round();
  const auto& workers = controller.record().workers;
  EXPECT_EQ(workers[0].ended_at, now_);
  EXPECT_TRUE(Logged("g-lost was not created"));
  EXPECT_EQ(workers[1].id, id);
  EXPECT_FALSE(workers[1].ended_at);
}

TEST(ScaleStatusTest, ListsEachInstanceAndTheBudget) {
  ScaleRecord record;
  record.group = "G";
  record.workers = {{.id = "i1", .launched_at = 0, .cores = 2, .name = "g-1"}};
  std::vector<FleetInstance> instances = {{.id = "i1", .name = "g-1", .cloud_state = "ACTIVE"}};
  PoolView pool;
  pool.workers.push_back({.name = "s1", .launch_name = "g-1", .jobs = 2});
  std::string text = FormatScaleStatus(record, instances, pool, 5400, 10.0);
  EXPECT_NE(text.find("g-1"), std::string::npos) << text;
  EXPECT_NE(text.find("yes"), std::string::npos) << text;
  EXPECT_NE(text.find("3.00 SUs used of 10.00 (7.00 left)"), std::string::npos) << text;
}

}  // namespace
}  // namespace osg
