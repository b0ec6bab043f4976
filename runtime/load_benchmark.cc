// Load time of a large NEFF to ready-to-execute (nrt_load* returns a
// verified model), with ~100 MB of weights like a ResNet-50:
//   bazel run //runtime:load_benchmark   (default flags: -O2)
// Modes: the file mapped with checksums verified (the default), mapped and
// trusted (NEURON_RT_SKIP_CHECKSUM / skip_checksum), and loaded from memory
// (a copy). Counters: rss_mb = resident set just after the load (the model
// still loaded), i.e. what a loaded model costs; mapped weights are only
// resident once touched. Host wall times, measured; nothing is simulated.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "neff/checksum.h"
#include "neff/format.h"
#include "runtime/nrt.h"

namespace {

constexpr size_t kWeightBytes = size_t{100} << 20;

// A ResNet-50-sized NEFF: 100 MB of weights streamed into SBUF by 16 DMA
// queues (2048 instructions), sealed with checksums like the compiler's.
std::string BigNeff() {
  flatbuffers::FlatBufferBuilder fbb(kWeightBytes + (1 << 20));
  std::vector<uint8_t> weights(kWeightBytes);
  for (size_t i = 0; i < weights.size(); ++i)
    weights[i] = static_cast<uint8_t>(i * 2654435761u >> 24);
  fbb.ForceVectorAlignment(weights.size(), 1, neff::kWeightsAlignment);
  auto w = fbb.CreateVector(weights);
  std::vector<flatbuffers::Offset<neff::Queue>> queues;
  constexpr int kQueues = 16, kPerQueue = 128;
  constexpr size_t kChunk = kWeightBytes / (kQueues * kPerQueue);  // 51200 B
  for (int q = 0; q < kQueues; ++q) {
    std::vector<flatbuffers::Offset<neff::Instruction>> insts;
    for (int i = 0; i < kPerQueue; ++i) {
      const uint64_t offset = (static_cast<uint64_t>(q) * kPerQueue + i) * kChunk;
      std::vector<neff::Dim> dims = {neff::Dim(1, kChunk / 4 / 128)};
      auto src =
          neff::CreateAccessPattern(fbb, neff::MemorySpace::WEIGHTS, neff::DType::F32, offset, 0,
                                    128, kChunk / 4 / 128, fbb.CreateVectorOfStructs(dims));
      auto dst = neff::CreateAccessPattern(fbb, neff::MemorySpace::SBUF, neff::DType::F32,
                                           static_cast<uint64_t>(q) * 1024, 0, 128, 0,
                                           fbb.CreateVectorOfStructs(dims));
      neff::InstructionBuilder b(fbb);
      b.add_opcode(neff::Opcode::DMA_COPY);
      b.add_dst(dst);
      b.add_src0(src);
      b.add_signal(q);
      insts.push_back(b.Finish());
    }
    queues.push_back(neff::CreateQueue(fbb, neff::EngineType::DMA, q, fbb.CreateVector(insts)));
  }
  auto queues_vec = fbb.CreateVector(queues);
  auto checksums = neff::CreateChecksumPlaceholders(fbb);
  neff::ModelBuilder mb(fbb);
  mb.add_version_major(neff::kVersionMajor);
  mb.add_version_minor(neff::kVersionMinor);
  mb.add_dram_size(64);
  mb.add_num_semaphores(kQueues);
  mb.add_queues(queues_vec);
  mb.add_weights(w);
  mb.add_checksums(checksums);
  neff::FinishSizePrefixedModelBuffer(fbb, mb.Finish());
  if (!neff::SealChecksums(fbb.GetBufferPointer(), fbb.GetSize()).ok()) std::abort();
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

const std::string& NeffPath() {
  static const std::string* path = [] {
    const char* dir = std::getenv("TMPDIR");
    auto* p = new std::string(std::string(dir ? dir : "/tmp") + "/load_benchmark_" +
                              std::to_string(getpid()) + ".neff");
    std::ofstream(*p, std::ios::binary) << BigNeff();
    return p;
  }();
  return *path;
}

double ResidentMb() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

void Check(NRT_STATUS s, benchmark::State& state) {
  if (s != NRT_SUCCESS) state.SkipWithError(nrt_get_last_error());
}

void BM_LoadFromFile(benchmark::State& state, bool skip_checksum) {
  const std::string& path = NeffPath();
  nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", "");
  nrt_load_options_t options = {};
  options.skip_checksum = skip_checksum ? 1 : 0;
  double rss = 0;
  for (auto _ : state) {
    nrt_model_t* model = nullptr;
    Check(nrt_load_from_file_with_options(path.c_str(), 0, 1, &options, &model), state);
    state.PauseTiming();
    rss = ResidentMb();
    nrt_unload(model);
    state.ResumeTiming();
  }
  state.counters["rss_mb"] = rss;
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kWeightBytes));
  nrt_close();
}

void BM_LoadFromMemory(benchmark::State& state) {
  static const std::string* bytes = new std::string(BigNeff());
  nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", "");
  double rss = 0;
  for (auto _ : state) {
    nrt_model_t* model = nullptr;
    Check(nrt_load(bytes->data(), bytes->size(), 0, 1, &model), state);
    state.PauseTiming();
    rss = ResidentMb();
    nrt_unload(model);
    state.ResumeTiming();
  }
  state.counters["rss_mb"] = rss;  // includes the caller's own copy
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kWeightBytes));
  nrt_close();
}

BENCHMARK_CAPTURE(BM_LoadFromFile, mapped_trusted, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadFromFile, mapped_checksummed, false)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadFromMemory)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::printf("NEFF: %s\n", NeffPath().c_str());
  benchmark::RunSpecifiedBenchmarks();
  std::remove(NeffPath().c_str());
  return 0;
}
