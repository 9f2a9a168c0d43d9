#include "join_diagnosis.h"

#include <gtest/gtest.h>

namespace osg {
namespace {

// Lines as HTCondor 23.9's startd writes them (seen in the end-to-end tests' StartLogs).
constexpr const char* kTokenRejected =
    "12/02/26 07:26:13 SECMAN:2010:Received \"DENIED\" from server for user worker@osgpool.test "
    "using method IDTOKENS.\n";
constexpr const char* kCollectorProcessDown =  // its host up: the shared port resets the socket
    "12/02/26 07:26:12 condor_read(): Socket closed abnormally when trying to read 5 bytes from "
    "collector cm.osgpool.test in non-blocking mode, errno=104 Connection reset by peer\n"
    "12/02/26 07:26:12 SECMAN: Failed to read resume session response classad from server.\n";
constexpr const char* kHostUnreachable =
    "12/02/26 07:20:01 attempt to connect to <10.111.0.2:9618> failed: No route to host "
    "(connect errno = 113).\n";

TEST(DiagnoseJoin, SaysWhatTheNewestTellingLineSays) {
  EXPECT_EQ(DiagnoseJoin("", ""), "");
  EXPECT_EQ(DiagnoseJoin("12/02/26 07:26:11 beginning reconfig_resources\n", ""), "");
  EXPECT_EQ(DiagnoseJoin(kTokenRejected, ""),
            "token rejected by the pool: SECMAN:2010:Received \"DENIED\" from server for user "
            "worker@osgpool.test using method IDTOKENS.");
  EXPECT_EQ(DiagnoseJoin(kHostUnreachable, "").rfind("central manager unreachable: attempt", 0), 0u);
  // A fixed token, then the collector gone: the newest says it.
  EXPECT_EQ(DiagnoseJoin(std::string(kTokenRejected) + kHostUnreachable, "")
                .rfind("central manager unreachable", 0),
            0u);
}

TEST(DiagnoseJoin, ACollectorProcessDownBehindALiveSharedPortIsUnreachable) {
  EXPECT_EQ(DiagnoseJoin(kCollectorProcessDown, "").rfind("central manager unreachable: condor_read()", 0),
            0u);
}

TEST(DiagnoseJoin, TheMasterLogWhenTheStartLogSaysNothing) {
  EXPECT_EQ(DiagnoseJoin("", kHostUnreachable).rfind("central manager unreachable", 0), 0u);
}

}  // namespace
}  // namespace osg
