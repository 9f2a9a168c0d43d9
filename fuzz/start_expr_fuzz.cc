// Start is rendered into HTCondor's START after CheckStartExpression accepts it (with HTCondor's
// own ClassAd parser). No input may crash the check, and an accepted one holds no config syntax.

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "start_expr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  std::string_view text = osg::fuzz::Bytes(data, size);
  std::vector<std::string> problems = osg::CheckStartExpression(text);
  (void)osg::IsMachineAttribute(text);
  if (!problems.empty()) return 0;
  Require(text.find("$(") == std::string_view::npos, "accepted a macro");
  Require(text.find("@=") == std::string_view::npos, "accepted heredoc syntax");
  Require(text.find('\n') == std::string_view::npos, "accepted a newline");
  return 0;
}
