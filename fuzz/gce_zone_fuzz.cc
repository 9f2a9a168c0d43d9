// The metadata server's instance/zone ("projects/NUMBER/zones/ZONE"): the zone read from any
// text is a valid path segment, so it cannot redirect the delete's URL, and is the text's own.

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "gce.h"
#include "text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  const std::string text(osg::fuzz::Bytes(data, size));
  std::string zone = osg::ZoneFromMetadata(text);
  if (zone.empty()) return 0;
  Require(osg::IsGcePathSegment(zone), "a zone that is not a path segment");
  Require(zone.find_first_of("/?#%") == std::string::npos, "a zone that changes the URL");
  Require(osg::Trim(text).starts_with("projects/") && osg::Trim(text).ends_with("/zones/" + zone),
          "a zone that is not the text's last segment after zones/");
  return 0;
}
