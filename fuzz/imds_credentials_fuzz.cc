// The instance role's credentials document from the metadata service: any bytes must give either
// credentials with both keys or an error, and no error may quote the secret key.

#include <cstdint>
#include <string>

#include "ec2.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  osg::AwsCredentials credentials;
  osg::Status status =
      osg::ParseRoleCredentials(osg::fuzz::Bytes(data, size), "role", &credentials);
  if (status.ok()) {
    Require(!credentials.access_key_id.empty() && !credentials.secret_access_key.empty(),
            "accepted credentials without both keys");
  } else {
    Require(credentials.secret_access_key.empty(), "credentials set despite an error");
  }
  return 0;
}
