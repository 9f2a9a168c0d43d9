// QuoteConfigString puts WorkerGroupName and GLIDEIN_* into HTCondor's config byte for byte. The
// startd reads such a value with the old ClassAd syntax: that reading, with HTCondor's own
// library, must give back exactly the text (for the text the config check lets through: valid
// UTF-8 without control characters; '$' is left to HTCondor's macro layer, tested in e2e).

#include <classad/classad_distribution.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "condor_config.h"
#include "fuzz_check.h"
#include "text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  std::string_view text = osg::fuzz::Bytes(data, size);
  bool allowed = osg::IsValidUtf8(text) && std::none_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '$';
  });
  if (!allowed) return 0;
  std::string quoted = osg::QuoteConfigString(text);
  classad::ClassAdParser parser;
  parser.SetOldClassAd(true);
  std::unique_ptr<classad::ExprTree> tree(parser.ParseExpression(quoted, /*full=*/true));
  Require(tree != nullptr, "a quoted value does not parse");
  classad::ClassAd scope;
  tree->SetParentScope(&scope);
  classad::Value value;
  std::string back;
  Require(tree->Evaluate(value) && value.IsStringValue(back), "a quoted value is not a string");
  Require(back == text, "a quoted value reads back different");
  return 0;
}
