#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace osg {

// `text` (an error detail that a server may have filled with an echo of our request) with every
// occurrence of each non-empty secret replaced by "[redacted]". Never returns a text that still
// holds a secret: when a replacement itself would spell one (a one-letter token such as "e"), the
// whole detail is withheld. Ends for any input: the scan never revisits a replacement.
std::string RedactSecrets(std::string text, std::initializer_list<std::string_view> secrets);

}  // namespace osg
