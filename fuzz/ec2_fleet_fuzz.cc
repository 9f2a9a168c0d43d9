// The owner's EC2 fleet client reads EC2's nested XML lists (ec2_xml.h) from every answer; a
// DescribeInstances page that parses wrongly would hide workers or list others'. The first line
// is the group; the rest the answer. Any bytes: no crash, every element within the document,
// no listed instance of another group, and quoted fields cut short.

#include <cstdint>
#include <string>
#include <vector>

#include "ec2_fleet.h"
#include "ec2_xml.h"
#include "fuzz_check.h"
#include "text.h"

namespace {

using osg::fuzz::Require;

// Every child's name and content lie inside `xml`, and one level down too.
void CheckChildren(std::string_view xml, int depth) {
  for (const osg::XmlChild& child : osg::XmlChildren(xml)) {
    Require(child.content.data() >= xml.data() &&
                child.content.data() + child.content.size() <= xml.data() + xml.size(),
            "an element's content outside its document");
    Require(!child.name.empty(), "an element without a name");
    Require(osg::XmlText(child.content).size() <= child.content.size(),
            "an element's text longer than its content");
    if (depth > 0) CheckChildren(child.content, depth - 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest = osg::fuzz::Bytes(data, size);
  std::string group(osg::fuzz::TakeLine(&rest));
  std::string body(rest);
  CheckChildren(body, 3);

  std::vector<osg::FleetInstance> instances;
  std::string next_token;
  osg::Status page = osg::ParseEc2InstancePage(body, group, &instances, &next_token);
  Require(page.ok() || instances.empty(), "instances from a page that did not parse");
  size_t items = 0;
  for (size_t at = body.find("<item"); at != std::string::npos; at = body.find("<item", at + 1)) {
    ++items;
  }
  Require(instances.size() <= items, "more instances than <item>s");
  for (const osg::FleetInstance& instance : instances) {
    Require(instance.name.size() <= osg::kMaxQuotedText + 3 &&
                instance.cloud_state.size() <= osg::kMaxQuotedText + 3 &&
                instance.id.size() <= osg::kMaxQuotedText + 3,
            "a listed field not cut short");
    Require(instance.state == osg::FleetStateOf("ec2", instance.cloud_state),
            "a state not mapped from its cloud state");
  }

  int cores = 0;
  if (osg::ParseEc2InstanceTypeCores(body, group, &cores).ok()) {
    Require(cores > 0, "an instance type with no cores");
  }
  (void)osg::Ec2ImageListed(body, group);
  Require(osg::ParseEc2RunInstancesId(body).size() <= body.size(), "an id longer than the answer");
  osg::HttpResponse response;
  response.status = 400;
  response.body = body;
  osg::CloudResult failed = osg::Ec2Failure(response, "what", {group});
  Require(failed.detail.size() < 1024 && failed.detail.find('\n') == std::string::npos,
          "a failure's detail is long or more than one line");
  return 0;
}
