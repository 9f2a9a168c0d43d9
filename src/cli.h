#pragma once

namespace osg {

// Runs the osg-worker command line: one table of subcommands. Returns the process exit status.
int RunCli(int argc, char** argv);

}  // namespace osg
