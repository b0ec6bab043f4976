#include "frontends/registry.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ncc::frontends {
namespace {

TEST(RegistryTest, FindsFrameworksIgnoringCase) {
  for (const char* name : {"ONNX", "onnx", "Onnx"}) {
    const Frontend* frontend = FindFrontend(name);
    ASSERT_NE(frontend, nullptr) << name;
    EXPECT_EQ(frontend->name(), "ONNX");
  }
  ASSERT_NE(FindFrontend("TensorFlow"), nullptr);
  EXPECT_EQ(FindFrontend("TensorFlow")->name(), "TENSORFLOW");
  ASSERT_NE(FindFrontend("MXNet"), nullptr);
  EXPECT_EQ(FindFrontend("MXNet")->name(), "MXNET");
  EXPECT_EQ(FindFrontend("Caffe"), nullptr);
  EXPECT_EQ(FindFrontend(""), nullptr);
  EXPECT_EQ(FindFrontend("pytorch"), &*FindFrontend("PYTORCH"));
  EXPECT_THAT(RegisteredFrameworks(), ::testing::ElementsAre("ONNX", "PYTORCH", "TENSORFLOW", "MXNET"));
}

TEST(RegistryTest, ImportsThroughTheInterface) {
  const Frontend* onnx = FindFrontend("ONNX");
  ASSERT_NE(onnx, nullptr);
  auto model = onnx->Import({"testdata/models/mlp.onnx"}, {});
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_FALSE(model->graph->ops().empty());
  auto missing = onnx->Import({"testdata/models/does_not_exist.onnx"}, {});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "testdata/models/does_not_exist.onnx: cannot open file (No such file or directory)");
  // A device is refused at once instead of being read forever.
  auto device = onnx->Import({"/dev/zero"}, {});
  EXPECT_EQ(device.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(device.status().message(), "/dev/zero: not a regular file (a character device)");
  auto two = onnx->Import({"a.onnx", "b.onnx"}, {});
  EXPECT_EQ(two.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ncc::frontends
