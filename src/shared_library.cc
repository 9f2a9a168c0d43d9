#include "shared_library.h"

#include <dlfcn.h>

namespace osg {

SharedLibrary::SharedLibrary(const char* soname) : soname_(soname) {
  // RTLD_LOCAL: its symbols serve only the Bind calls, never resolve anything else of ours.
  handle_ = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    const char* why = dlerror();
    error_ = "cannot load " + soname_ + ": " + (why != nullptr ? why : "dlopen failed");
  }
}

void* SharedLibrary::Symbol(const char* name) {
  if (handle_ == nullptr) return nullptr;
  dlerror();  // clear a stale message
  void* symbol = dlsym(handle_, name);
  if (symbol == nullptr) {
    error_ = soname_ + " lacks " + name;
  }
  return symbol;
}

}  // namespace osg
