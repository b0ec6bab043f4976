// The sources `neff embed` generates, compiled and linked like a
// cc_neff_library (see :embedded_mlp in BUILD.bazel): the embedded bytes are
// the NEFF file's, 64-byte aligned, nrt_load accepts them, and the table
// agrees with what the runtime reads from the loaded model. A C file
// (embed_link_test_c.c) includes the generated header too.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "runtime/nrt.h"
#include "tools/neff/embedded_mlp.h"

extern "C" size_t EmbeddedMlpNumInputsFromC(void);
extern "C" const unsigned char* EmbeddedMlpDataFromC(void);

namespace {

// The NEFF file the library was generated from (its path is the argument).
std::string g_neff_path;

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void ExpectSameTensor(const ncc_embedded_tensor_t& embedded, const nrt_tensor_info_t& loaded) {
  EXPECT_STREQ(embedded.name, loaded.name);
  EXPECT_STREQ(embedded.dtype, nrt_dtype_as_str(loaded.dtype)) << loaded.name;
  EXPECT_EQ(embedded.size_bytes, loaded.size) << loaded.name;
  ASSERT_EQ(embedded.rank, static_cast<int32_t>(loaded.ndim)) << loaded.name;
  for (uint32_t d = 0; d < loaded.ndim; ++d) {
    EXPECT_EQ(embedded.shape[d], loaded.shape[d]) << loaded.name << " dim " << d;
  }
}

TEST(EmbeddedNeff, BytesAreTheFileAligned) {
  const std::string file = ReadWholeFile(g_neff_path);
  ASSERT_FALSE(file.empty()) << g_neff_path;
  ASSERT_EQ(embedded_mlp.size, file.size());
  EXPECT_EQ(std::memcmp(embedded_mlp.data, file.data(), file.size()), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(embedded_mlp.data) % 64, 0u);
  EXPECT_STREQ(embedded_mlp.label, "//runtime/fuzz:corpus/mlp.neff");
  // neuron-cc wrote a latency estimate into the metadata.
  EXPECT_GT(embedded_mlp.estimated_latency_us, 0.0);
}

TEST(EmbeddedNeff, CHeaderSeesTheSameTable) {
  EXPECT_EQ(EmbeddedMlpNumInputsFromC(), embedded_mlp.num_inputs);
  EXPECT_EQ(EmbeddedMlpDataFromC(), embedded_mlp.data);
}

TEST(EmbeddedNeff, LoadsAndMatchesTheRuntimesTensorInfo) {
  ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS);
  nrt_model_t* model = nullptr;
  ASSERT_EQ(nrt_load(embedded_mlp.data, embedded_mlp.size, 0, -1, &model), NRT_SUCCESS)
      << nrt_get_last_error();
  nrt_tensor_info_array_t* info = nullptr;
  ASSERT_EQ(nrt_get_model_tensor_info(model, &info), NRT_SUCCESS);
  ASSERT_EQ(embedded_mlp.num_inputs, size_t{EMBEDDED_MLP_NUM_INPUTS});
  ASSERT_EQ(embedded_mlp.num_outputs, size_t{EMBEDDED_MLP_NUM_OUTPUTS});
  ASSERT_EQ(info->tensor_count, embedded_mlp.num_inputs + embedded_mlp.num_outputs);
  ASSERT_GT(embedded_mlp.num_inputs, 0u);
  ASSERT_GT(embedded_mlp.num_outputs, 0u);
  for (size_t i = 0; i < embedded_mlp.num_inputs; ++i) {
    ExpectSameTensor(embedded_mlp.inputs[i], info->tensor_array[i]);
  }
  for (size_t i = 0; i < embedded_mlp.num_outputs; ++i) {
    ExpectSameTensor(embedded_mlp.outputs[i], info->tensor_array[embedded_mlp.num_inputs + i]);
  }
  EXPECT_EQ(nrt_free_model_tensor_info(info), NRT_SUCCESS);
  EXPECT_EQ(nrt_unload(model), NRT_SUCCESS);
  nrt_close();
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: embed_link_test MODEL.neff\n");
    return 2;
  }
  g_neff_path = argv[1];
  return RUN_ALL_TESTS();
}
