#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace osg {

// Decodes base64url without padding (RFC 7515, as in tokens); nullopt on a character outside
// the alphabet.
std::optional<std::string> DecodeBase64Url(std::string_view text);

// Encodes in base64url without padding (RFC 7515 section 2), as a JWT's three parts are.
std::string EncodeBase64Url(std::string_view bytes);

// Encodes in base64 with the standard alphabet and padding (RFC 4648 section 4), as cloud APIs
// take user-data and cloud-config takes `encoding: b64`.
std::string EncodeBase64(std::string_view bytes);

}  // namespace osg
