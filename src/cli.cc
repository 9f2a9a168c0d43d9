#include "cli.h"

#include <cstdio>

namespace osg {

int RunCli(int argc, char** argv) {
  (void)argc;
  (void)argv;
  std::fputs("osg-worker: not yet\n", stderr);
  return 2;
}

}  // namespace osg
