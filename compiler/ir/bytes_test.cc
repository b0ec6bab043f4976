#include "compiler/ir/bytes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ncc::ir {
namespace {

TEST(Bytes, TakesOverAStringWithoutCopying) {
  std::string raw(1 << 20, '\x7f');
  const char* storage = raw.data();
  Bytes bytes = Bytes::FromString(std::move(raw));
  EXPECT_EQ(reinterpret_cast<const char*>(bytes.data()), storage);
  EXPECT_EQ(bytes.size(), size_t{1} << 20);
  // Moving the payload (into a Value, a ConstantTensor, ...) keeps it too.
  Bytes moved = std::move(bytes);
  EXPECT_EQ(reinterpret_cast<const char*>(moved.data()), storage);
}

TEST(Bytes, ReadsAndWritesLikeAVectorWhateverHoldsIt) {
  for (bool from_string : {false, true}) {
    Bytes b = from_string ? Bytes::FromString(std::string("\x01\x02\x03", 3))
                          : Bytes(std::vector<uint8_t>{1, 2, 3});
    EXPECT_EQ(b, (Bytes{1, 2, 3}));
    EXPECT_EQ(b, (std::vector<uint8_t>{1, 2, 3}));
    b[1] = 9;
    b.resize(5);
    EXPECT_EQ(b, (Bytes{1, 9, 3, 0, 0}));
    EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.end()), (std::vector<uint8_t>{1, 9, 3, 0, 0}));
    EXPECT_EQ(b.span().size(), 5u);
    const uint8_t four[] = {4, 4};
    Bytes assigned = b;
    assigned.assign(four, four + 2);
    EXPECT_EQ(assigned, (Bytes{4, 4}));
    Bytes copy = b;
    copy[0] = 7;
    EXPECT_EQ(b[0], 1);
    EXPECT_NE(copy, b);
    b.clear();
    EXPECT_TRUE(b.empty());
  }
  EXPECT_EQ(Bytes(), Bytes::FromString(""));
}

}  // namespace
}  // namespace ncc::ir
