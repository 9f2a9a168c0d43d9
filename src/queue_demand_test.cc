#include "queue_demand.h"

#include <gtest/gtest.h>

namespace osg {
namespace {

// The shape of condor_q -json: expressions as "\/Expr(...)\/" strings.
constexpr char kJobs[] = R"([
{"ClusterId": 1, "ProcId": 0, "JobStatus": 1, "ProjectName": "TG-A", "RequestCpus": 1,
 "Owner": "alice", "Requirements": "\/Expr(TARGET.Arch == \"X86_64\")\/"},
{"ClusterId": 1, "ProcId": 1, "JobStatus": 1, "ProjectName": "TG-A",
 "RequestCpus": "\/Expr(1 + 1)\/", "Owner": "alice"},
{"ClusterId": 2, "ProcId": 0, "JobStatus": 1, "ProjectName": "TG-B", "RequestCpus": 1,
 "Owner": "bob"},
{"ClusterId": 3, "ProcId": 0, "JobStatus": 1, "ProjectName": "TG-A", "RequestCpus": 8,
 "Owner": "alice"},
{"ClusterId": 4, "ProcId": 0, "JobStatus": 1, "Owner": "carol"}
]
)";

TEST(QueueDemandTest, CountsTheIdleJobsStartAcceptsWithTheirCores) {
  QueueDemand demand = DemandFromJobs(kJobs, R"(TARGET.ProjectName == "TG-A")", "G", 4);
  ASSERT_TRUE(demand.ok()) << demand.error;
  EXPECT_EQ(demand.jobs, 2);
  EXPECT_EQ(demand.cores, 3);  // 1 + (1 + 1)
  EXPECT_EQ(demand.too_big, 1);  // 8 cores do not fit a 4-core worker
}

TEST(QueueDemandTest, StartSeesTheMachinesOwnAttributes) {
  QueueDemand demand =
      DemandFromJobs(kJobs, R"(MY.WorkerGroupName == "G" && TARGET.Owner =?= "bob")", "G", 1);
  EXPECT_EQ(demand.jobs, 1);
  // A Start that is undefined for a job (no ProjectName) does not count it.
  demand = DemandFromJobs(kJobs, "TARGET.ProjectName != \"TG-A\"", "G", 1);
  EXPECT_EQ(demand.jobs, 1);
}

TEST(QueueDemandTest, EmptyOutputIsNoJobAndGarbageIsAnError) {
  EXPECT_EQ(DemandFromJobs("\n", "True", "G", 1).jobs, 0);
  EXPECT_TRUE(DemandFromJobs("\n", "True", "G", 1).ok());
  EXPECT_FALSE(DemandFromJobs("-- Schedd: ap1", "True", "G", 1).ok());
}

TEST(QueueDemandTest, TheCommandLines) {
  EXPECT_EQ(IdleJobsArgv("", ""), (std::vector<std::string>{"condor_q", "-allusers", "-constraint",
                                                            "JobStatus == 1", "-json"}));
  EXPECT_EQ(IdleJobsArgv("alice", "cm.example"),
            (std::vector<std::string>{"condor_q", "-pool", "cm.example", "alice", "-constraint",
                                      "JobStatus == 1", "-json"}));
  EXPECT_EQ(SubmittersArgv("").back(), "IdleJobs");
}

TEST(QueueDemandTest, SubmitterAdsGiveTheOwnersIdleJobsAsOneCoreEach) {
  const char* out = "alice@ap1.example\t7\nalice@ap2.example\t3\nbob@ap1.example\t100\n";
  QueueDemand demand = DemandFromSubmitters(out, "alice");
  EXPECT_EQ(demand.jobs, 10);
  EXPECT_EQ(demand.cores, 10);
  EXPECT_EQ(DemandFromSubmitters(out, "alice@ap2.example").jobs, 3);
  EXPECT_EQ(DemandFromSubmitters(out, "ali").jobs, 0);
  EXPECT_FALSE(DemandFromSubmitters("alice@ap1\tundefined\n", "alice").ok());
}

}  // namespace
}  // namespace osg
