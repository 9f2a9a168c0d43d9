#include "start_expr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace osg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CheckStartExpression, AcceptsAPlainExpression) {
  EXPECT_THAT(CheckStartExpression("TARGET.ProjectName == \"TG-NNNNNN\" && Cpus >= 1"),
              ElementsAre());
}

// Found by fuzz/start_expr_fuzz: HTCondor's parser stops at a NUL, so "1\n\0e" was accepted
// though what would be rendered is not what was checked.
TEST(CheckStartExpression, RefusesLineBreaksAndControlBytes) {
  for (std::string bad : {std::string("1\n\0\0e", 5), std::string("Cpus > 1\r|| true"),
                          std::string("TARGET.X == 1\0) || (true", 24)}) {
    EXPECT_THAT(CheckStartExpression(bad), ElementsAre(HasSubstr("must be one line"))) << bad;
  }
}

TEST(CheckStartExpression, RefusesEveryMacroForm) {
  for (const char* bad : {"$(X) == 1", "TARGET.Owner == \"$INT(X)\"", "$$(Memory) > 1",
                          "TARGET.P == \"$RANDOM_CHOICE(a,b)\""}) {
    EXPECT_THAT(CheckStartExpression(bad), ElementsAre(HasSubstr("contains \"$\""))) << bad;
  }
}

}  // namespace
}  // namespace osg
