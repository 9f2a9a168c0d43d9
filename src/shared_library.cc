#include "shared_library.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "text.h"

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

Status TryLoadInChild(const char* soname) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::Error("pipe: " + ErrnoText());
  pid_t child = fork();
  if (child < 0) {
    std::string why = ErrnoText();
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return Status::Error("fork: " + why);
  }
  if (child == 0) {
    close(pipe_fds[0]);
    SharedLibrary library(soname);
    if (library.ok()) _exit(0);
    // A short write at worst: the parent then says less. _exit runs none of our destructors.
    ssize_t ignored = write(pipe_fds[1], library.error().data(), library.error().size());
    (void)ignored;
    _exit(1);
  }
  close(pipe_fds[1]);
  std::string said;
  char buffer[512];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    said.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int wait_status = 0;
  while (waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) return Status::Ok();
  return Status::Error(said.empty() ? "cannot load " + std::string(soname) : said);
}

}  // namespace osg
