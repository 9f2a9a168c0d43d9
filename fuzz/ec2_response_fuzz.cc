// EC2's answer to TerminateInstances decides whether the instance is gone, and its text ends up in
// the log and the ledger. Any status and body: no crash, and the detail stays short.

#include <cstdint>
#include <string>

#include "ec2.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  if (size < 2) return 0;
  // The first two bytes choose the HTTP status (0..599), the rest is the body.
  osg::HttpResponse response;
  response.status = ((data[0] << 8) | data[1]) % 600;
  response.body.assign(reinterpret_cast<const char*>(data + 2), size - 2);
  osg::CloudResult result = osg::ClassifyTerminateResponse(response);
  Require(result.detail.size() < 1024, "the detail quotes too much of the answer");
  const std::string& body = response.body;
  for (const char* tag : {"name", "Code", "Message", ""}) {
    std::string text = osg::XmlElementText(body, tag, data[0]);
    Require(text.size() <= body.size(), "element text longer than the document");
  }
  return 0;
}
