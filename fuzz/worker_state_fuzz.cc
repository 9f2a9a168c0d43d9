// /run/osg-worker/status.json is read by `osg-worker status` and prepare-image; a truncated or
// foreign file must read as "unknown", never crash, and what is read survives a rewrite.

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "status_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  std::optional<osg::WorkerState> state =
      osg::WorkerStateFromJson(std::string(osg::fuzz::Bytes(data, size)));
  if (!state) return 0;
  std::optional<osg::WorkerState> again = osg::WorkerStateFromJson(osg::WorkerStateToJson(*state));
  Require(again && again->phase == state->phase && again->claims == state->claims &&
              again->shutdown_at == state->shutdown_at,
          "a state read back does not survive a rewrite");
  return 0;
}
