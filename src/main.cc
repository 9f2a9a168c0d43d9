#include "cli.h"

int main(int argc, char** argv) { return osg::RunCli(argc, argv); }
