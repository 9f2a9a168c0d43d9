#pragma once

// The owner's EC2 fleet client (cloud_fleet.h, issue 12), written from the EC2 API reference
// (Query API, version 2016-11-15): DescribeInstanceTypes and DescribeImages (Prepare),
// RunInstances (Create), DescribeInstances (List), TerminateInstances (Delete), each one signed
// POST (CallEc2 in ec2.h). The pieces below are pure, for tests; MakeEc2Fleet builds the client.
//
// A worker is found by its tag WorkerGroupName (the group's exact text) and named by its tag
// Name. It boots with IMDSv2 required and stops by terminating (InstanceInitiatedShutdownBehavior),
// so that a worker shutting itself down never leaves a stopped, billing volume behind.
//
// Credentials (MakeEc2Fleet): AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN) from
// the environment only. The region: FleetOptions::region, else AWS_REGION, else
// AWS_DEFAULT_REGION.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "cloud_fleet.h"
#include "http.h"
#include "sigv4.h"
#include "status.h"

namespace osg {

inline constexpr char kEc2GroupTag[] = "WorkerGroupName";

// RunInstances' ClientToken for worker `name` of `group`: the name's first characters that are
// letters, digits, '-', '_' or '.' (at most 40, for people reading CloudTrail), '-', and 20 hex
// digits of SHA-256 over the group and the name. At most 61 ASCII characters, the same for every
// retry, so that EC2 answers a retry with the first call's instance. "" when libcrypto does not
// load.
std::string Ec2ClientToken(const std::string& group, const std::string& name);

// The Query API forms (Action and parameters; CallEc2 adds Version). DescribeInstances filters
// on the tag with '*', '?' and '\' escaped: EC2 reads them as wildcards in filter values.
HeaderList Ec2DescribeInstanceTypesForm(const std::string& instance_type);
HeaderList Ec2DescribeImagesForm(const std::string& image_id);
// `client_token` from Ec2ClientToken. A security group "sg-..." goes as SecurityGroupId.N, any
// other as SecurityGroup.N (a name, which only the default VPC takes). The instance and its
// volumes are tagged WorkerGroupName=spec.group and Name=name.
HeaderList Ec2RunInstancesForm(const LaunchSpec& spec, const std::string& name,
                               const std::string& user_data, const std::string& client_token);
// The group's instances that are pending, running, stopping or stopped; `next_token` "" for the
// first page.
HeaderList Ec2DescribeInstancesForm(const std::string& group, const std::string& next_token);

// DescribeInstanceTypes' answer: the type's VCpuInfo/DefaultVCpus. An error when the answer
// lists no such type or no positive count.
Status ParseEc2InstanceTypeCores(const std::string& body, const std::string& instance_type,
                                 int* cores);
// DescribeImages' answer: whether it lists `image_id`.
bool Ec2ImageListed(const std::string& body, const std::string& image_id);
// RunInstances' answer: the instance id ("" when it has none).
std::string ParseEc2RunInstancesId(const std::string& body);
// One page of DescribeInstances: each instance of each reservation whose tag WorkerGroupName is
// exactly `group` (id, tag Name, state, launch time), appended to `out`, and the page's nextToken
// ("" on the last page). An error when the body is not such an answer: an empty list must mean
// no instances, never a page that did not parse.
Status ParseEc2InstancePage(const std::string& body, const std::string& group,
                            std::vector<FleetInstance>* out, std::string* next_token);

// An EC2 answer that is not a success, for the call on `what` ("instance type m9.huge"): kRetry
// for transport errors, 5xx and throttling, else kRefused; the detail is one line with EC2's
// Code and Message: "EC2 refused instance type m9.huge: InvalidInstanceType: The following
// supplied instance types do not exist: [m9.huge] (HTTP 400)". Nothing of the request shows but
// `what`: a Message that shares a run of kQuotedRun bytes with one of `sent` (the user-data, which
// holds a token) is withheld.
inline constexpr size_t kQuotedRun = 16;
CloudResult Ec2Failure(const HttpResponse& response, const std::string& what,
                       std::initializer_list<std::string_view> sent = {});

// Whether `text` and `other` share a run of `run` bytes.
bool SharesRun(std::string_view text, std::string_view other, size_t run);

// The region to use: `given`, else AWS_REGION, else AWS_DEFAULT_REGION; an error naming them
// when none is set, or when it is not a region's name (letters, digits, '-').
Status ChooseEc2Region(const std::string& given, const FleetEnv& env, std::string* region);

}  // namespace osg
