#include "text/printable.h"

#include <gtest/gtest.h>

#include <string>

namespace ncc::text {
namespace {

TEST(PrintableName, KeepsPrintableAsciiAndUtf8) {
  EXPECT_EQ(PrintableName("conv1/weight:0 [x]"), "conv1/weight:0 [x]");
  EXPECT_EQ(PrintableName("poids_\xc3\xa9t\xc3\xa9_\xe5\x90\x8d"),
            "poids_\xc3\xa9t\xc3\xa9_\xe5\x90\x8d");
  EXPECT_EQ(PrintableName(""), "");
}

TEST(PrintableName, EscapesTerminalControl) {
  // An ANSI sequence that would clear the screen, a newline and a NUL.
  EXPECT_EQ(PrintableName("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(PrintableName(std::string("x\ny\0z\x7f", 6)), "x\\x0ay\\x00z\\x7f");
  EXPECT_EQ(PrintableName("back\\slash"), "back\\\\slash");
}

TEST(PrintableName, EscapesInvalidUtf8AndControlCodePoints) {
  EXPECT_EQ(PrintableName("\x9b"
                          "31m"),
            "\\x9b31m");  // raw 8-bit CSI
  EXPECT_EQ(PrintableName("\xc2\x9b"
                          "31m"),
            "\\u009b31m");  // C1 CSI in UTF-8
  EXPECT_EQ(PrintableName("abc\xe2\x80\xae"
                          "def"),
            "abc\\u202edef");                                   // right-to-left override
  EXPECT_EQ(PrintableName("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(PrintableName("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
  EXPECT_EQ(PrintableName("\xe5\x90"), "\\xe5\\x90");           // truncated sequence
}

TEST(QuotedName, QuotesTheEscapedName) {
  EXPECT_EQ(QuotedName("conv1"), "'conv1'");
  EXPECT_EQ(QuotedName("evil\x1b[31m"), "'evil\\x1b[31m'");
}

}  // namespace
}  // namespace ncc::text
