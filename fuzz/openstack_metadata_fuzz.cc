// meta_data.json from the metadata service or a config drive (which a user can build): the
// server's uuid is the document's string "uuid", trimmed, or nothing; never anything that would
// change the delete's URL path.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_check.h"
#include "openstack.h"
#include "text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  const std::string text(osg::fuzz::Bytes(data, size));
  std::string uuid = osg::MetadataUuid(text);
  Require(uuid == osg::Trim(uuid), "a uuid with surrounding white space");
  if (uuid.empty()) return 0;
  Require(uuid.find_first_of("/?#%. ") == std::string::npos, "a uuid that changes the URL path");
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  Require(doc.is_object() && doc.contains("uuid") && doc["uuid"].is_string() &&
              osg::Trim(doc["uuid"].get<std::string>()) == uuid,
          "a uuid that is not the document's uuid string");
  return 0;
}
