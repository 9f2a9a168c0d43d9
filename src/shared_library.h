#pragma once

#include <string>

#include "status.h"

namespace osg {

// A shared library opened at run time, when first needed, instead of linked. The agent idles for
// hours and needs libcurl (with its TLS, LDAP, SSH and Kerberos dependencies) and libcrypto only
// for the few cloud calls at the end of its life. Linked, their start-up code kept the idle
// agent at 13.1 MB resident instead of 6.8 MB (bench/idle_cost.sh). Once opened, a library stays.
class SharedLibrary {
 public:
  // dlopen(soname); on failure error() says why, naming the library.
  explicit SharedLibrary(const char* soname);
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  // Sets `function` to the library's symbol `name`. False, with error() set, when the library did
  // not open or lacks the symbol; `function` is then null.
  template <typename F>
  bool Bind(const char* name, F*& function) {
    function = reinterpret_cast<F*>(Symbol(name));
    return function != nullptr;
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  void* Symbol(const char* name);

  std::string soname_;
  void* handle_ = nullptr;
  std::string error_;
};

// Whether `soname` loads, tried in a child process so that this one maps none of it: the agent
// learns at start, not at the end of its life, that a cloud call would fail. Uses fork(), so
// call it before starting threads.
Status TryLoadInChild(const char* soname);

}  // namespace osg
