#include "shared_library.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace osg {
namespace {

std::string ReadMaps() {
  std::ifstream in("/proc/self/maps");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// zlib is linked into every build of ours, so it is there to open here too.
TEST(SharedLibrary, BindsAFunctionThatWorks) {
  SharedLibrary zlib("libz.so.1");
  ASSERT_TRUE(zlib.ok()) << zlib.error();
  const char* (*version)() = nullptr;
  ASSERT_TRUE(zlib.Bind("zlibVersion", version)) << zlib.error();
  EXPECT_EQ(std::strncmp(version(), "1.", 2), 0) << version();
}

TEST(SharedLibrary, NamesAMissingLibrary) {
  SharedLibrary missing("libosg-worker-no-such.so.9");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("cannot load libosg-worker-no-such.so.9"), std::string::npos)
      << missing.error();
  void (*function)() = reinterpret_cast<void (*)()>(1);
  EXPECT_FALSE(missing.Bind("anything", function));
  EXPECT_EQ(function, nullptr);
}

TEST(SharedLibrary, NamesAMissingSymbol) {
  SharedLibrary zlib("libz.so.1");
  int (*function)() = nullptr;
  EXPECT_FALSE(zlib.Bind("osg_worker_no_such_function", function));
  EXPECT_EQ(function, nullptr);
  EXPECT_EQ(zlib.error(), "libz.so.1 lacks osg_worker_no_such_function");
}

TEST(TryLoadInChild, LoadsInTheChildOnly) {
  EXPECT_TRUE(TryLoadInChild("libz.so.1").ok());
  // ctest runs each test in a process of its own; a whole-binary run may have loaded it already.
  if (ReadMaps().find("libcurl") != std::string::npos) GTEST_SKIP() << "libcurl already loaded";
  Status loaded = TryLoadInChild("libcurl.so.4");
  EXPECT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ(ReadMaps().find("libcurl"), std::string::npos);
}

TEST(TryLoadInChild, SaysWhyItDoesNotLoad) {
  Status missing = TryLoadInChild("libosg-worker-no-such.so.9");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("cannot load libosg-worker-no-such.so.9: "), std::string::npos)
      << missing.message();
}

}  // namespace
}  // namespace osg
