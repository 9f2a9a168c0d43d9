#include "scale_record.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "files.h"
#include "test_temp_dir.h"

namespace osg {
namespace {

constexpr int64_t kNow = 1'800'000'000;

class ScaleRecordTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    path_ = dir_ + "/scale/My Test Workers.json";
  }
  std::string path_;
};

TEST(SusUsed, CountsCoreHoursAtEachRateFromLaunchToEnd) {
  ScaleRecord record;
  record.workers = {
      {"ended", kNow - 7200, kNow - 1800, 2, 1.0, true},  // 1.5 h x 2 cores x 1.0
      {"live", kNow - 3600, std::nullopt, 4, 2.0, false},  // 1 h x 4 cores x 2.0, never joined
  };
  EXPECT_DOUBLE_EQ(SusUsed(record, kNow), 3.0 + 8.0);
  EXPECT_DOUBLE_EQ(SusUsed(record, kNow - 1800), 3.0 + 4.0);
}

TEST_F(ScaleRecordTest, SavesRootOnlyAndLoadsWhatItSaved) {
  ScaleRecord record;
  record.group = "My Test Workers";
  record.workers = {{"i-1", kNow - 60, kNow, 2, 1.5, true}, {"i-2", kNow, std::nullopt, 1, 1.0}};
  record.last_launch = kNow;
  record.join_failed_since_last_join = true;
  ASSERT_TRUE(SaveScaleRecord(path_, record).ok());
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ScaleRecordLoad load = LoadScaleRecord(path_, "My Test Workers");
  ASSERT_TRUE(load.status.ok()) << load.status.message();
  ASSERT_EQ(load.record.workers.size(), 2u);
  EXPECT_EQ(load.record.workers[0].ended_at, kNow);
  EXPECT_FALSE(load.record.workers[1].ended_at.has_value());
  EXPECT_DOUBLE_EQ(load.record.workers[0].sus_per_core_hour, 1.5);
  EXPECT_EQ(load.record.last_launch, kNow);
  EXPECT_TRUE(load.record.join_failed_since_last_join);
  EXPECT_DOUBLE_EQ(SusUsed(load.record, kNow + 3600), SusUsed(record, kNow + 3600));
}

TEST_F(ScaleRecordTest, AMissingRecordIsANewOne) {
  ScaleRecordLoad load = LoadScaleRecord(path_, "G");
  ASSERT_TRUE(load.status.ok());
  EXPECT_EQ(load.record.group, "G");
  EXPECT_TRUE(load.record.workers.empty());
}

// A record it cannot read would reset the budget's count: an error, never a fresh start.
TEST_F(ScaleRecordTest, ABrokenRecordOrAnotherGroupsIsAnErrorNamingTheFile) {
  ASSERT_TRUE(WriteFileAtomically(path_, "{\"group\": \"G\", \"workers\": [{\"id\": 3}]}", 0600).ok());
  ScaleRecordLoad broken = LoadScaleRecord(path_, "G");
  ASSERT_FALSE(broken.status.ok());
  EXPECT_EQ(broken.status.message().rfind(path_ + ": not a scale record (", 0), 0u)
      << broken.status.message();
  ASSERT_TRUE(WriteFileAtomically(path_, "not json", 0600).ok());
  EXPECT_FALSE(LoadScaleRecord(path_, "G").status.ok());
  ScaleRecord other;
  other.group = "Other";
  ASSERT_TRUE(SaveScaleRecord(path_, other).ok());
  ScaleRecordLoad wrong = LoadScaleRecord(path_, "G");
  ASSERT_FALSE(wrong.status.ok());
  EXPECT_EQ(wrong.status.message(), path_ + ": the record of group \"Other\", not \"G\"");
}

}  // namespace
}  // namespace osg
