// The tails of HTCondor's StartLog and MasterLog, which quote remote hosts and job attributes:
// diagnosing a join from any log text must not crash.

#include <cstdint>
#include <string>

#include "join_diagnosis.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = osg::fuzz::Bytes(data, size);
  size_t half = text.find('\f');  // a form feed splits the StartLog from the MasterLog
  if (half == std::string_view::npos) half = text.size();
  std::string start(text.substr(0, half));
  std::string master(half < text.size() ? text.substr(half + 1) : std::string_view());
  (void)osg::DiagnoseJoin(start, master);
  return 0;
}
