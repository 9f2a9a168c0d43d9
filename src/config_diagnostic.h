#pragma once

#include <string>
#include <vector>

namespace osg {

// One problem found in user input, precise enough to fix without reading our source:
// "/etc/osg-worker.conf:3: Token: the token has expired (2026-01-01 00:00:00 UTC)".
struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;
  int line = 0;         // 1-based; 0 when the problem is about the whole file
  std::string key;      // the setting, as the user spelled it; empty for whole-file problems
  std::string message;  // never holds a secret

  std::string ToString() const;
};

using Diagnostics = std::vector<Diagnostic>;

bool HasErrors(const Diagnostics& diagnostics);

}  // namespace osg
