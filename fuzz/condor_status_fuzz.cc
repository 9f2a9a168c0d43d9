// condor_status -af:t output carries job owners' strings (RemoteOwner, ProjectName, JobId):
// counting slots from any bytes must not crash, and every counted job is described.

#include <cstdint>
#include <string>

#include "condor_tools.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  osg::Observation seen = osg::CountSlots(std::string(osg::fuzz::Bytes(data, size)));
  Require(seen.jobs >= 0 && seen.claims >= 0, "negative counts");
  Require(static_cast<size_t>(seen.jobs) == seen.running.size(), "a job without its details");
  return 0;
}
