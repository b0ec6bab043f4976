#include "runtime/neff_loader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "neff/checksum.h"
#include "neff/deadlock_check.h"
#include "neff/format.h"
#include "neff/verifier.h"
#include "text/printable.h"

namespace ncc::runtime {

LoadOptions LoadOptionsFromEnvironment() {
  LoadOptions options;
  const char* skip = std::getenv("NEURON_RT_SKIP_CHECKSUM");
  options.skip_checksums = skip != nullptr && std::strcmp(skip, "1") == 0;
  const char* unsealed = std::getenv("NEURON_RT_ALLOW_UNSEALED");
  options.allow_unsealed = unsealed != nullptr && std::strcmp(unsealed, "1") == 0;
  return options;
}

namespace {

// Steps 1-2 (the file and its seal) of CheckNeff.
absl::StatusOr<const neff::Model*> OpenSealed(absl::string_view bytes, const LoadOptions& options) {
  auto model = neff::OpenModel(bytes);
  if (!model.ok()) return model.status();
  const bool allowed_unsealed = options.allow_unsealed && !neff::IsSealed(**model);
  if (!options.skip_checksums && !allowed_unsealed) {
    if (absl::Status s = neff::VerifyChecksums(bytes, **model); !s.ok()) {
      return s;
    }
  }
  return *model;
}

// Steps 3-4 of CheckNeff.
absl::Status VerifyProgram(const neff::Model& model) {
  if (absl::Status s = neff::Verify(model); !s.ok()) return s;
  return neff::CheckSemaphoreDeadlock(model);
}

template <typename T>
bool Present(const flatbuffers::Vector<T>* v) {
  return v != nullptr && v->size() > 0;
}

absl::Status Invalid(absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("NEFF verify: ", message));
}

// "float32[2, 4]".
std::string TypeOf(const neff::TensorInfo& t) {
  const char* dtype = neff::DTypeUserName(t.dtype());
  std::string out = dtype != nullptr ? dtype : absl::StrCat("dtype ", static_cast<int>(t.dtype()));
  out += "[";
  if (t.shape() != nullptr) out += absl::StrJoin(*t.shape(), ", ");
  return out + "]";
}

bool SameType(const neff::TensorInfo& a, const neff::TensorInfo& b) {
  if (a.dtype() != b.dtype()) return false;
  const size_t na = a.shape() ? a.shape()->size() : 0, nb = b.shape() ? b.shape()->size() : 0;
  if (na != nb) return false;
  for (size_t i = 0; i < na; ++i) {
    if (a.shape()->Get(i) != b.shape()->Get(i)) return false;
  }
  return true;
}

// "input 0 'x'", names escaped (they come from the file).
std::string Named(const char* kind, size_t index, const neff::TensorInfo& t) {
  return absl::StrCat(
      kind, " ", index, " '",
      ncc::text::PrintableName(t.name() ? absl::string_view(t.name()->c_str(), t.name()->size())
                                        : absl::string_view()),
      "'");
}

size_t Count(const flatbuffers::Vector<flatbuffers::Offset<neff::TensorInfo>>* v) {
  return v == nullptr ? 0 : v->size();
}

// The inputs and outputs of a pipelined file's top level: what
// neff::Verify checks of a single-core file's, without the DRAM arena it
// does not have (the data lives in the stages' arenas).
absl::Status CheckModelTensors(const neff::Model& model, bool inputs) {
  const auto* list = inputs ? model.inputs() : model.outputs();
  if (list == nullptr) return absl::OkStatus();
  const char* kind = inputs ? "model input" : "model output";
  std::set<std::string> names;
  for (flatbuffers::uoffset_t i = 0; i < list->size(); ++i) {
    const neff::TensorInfo* t = list->Get(i);
    if (t->name() == nullptr || t->name()->size() == 0) {
      return Invalid(absl::StrCat(kind, " ", i, " has no name"));
    }
    const std::string name = Named(kind, i, *t);
    if (!names.insert(t->name()->str()).second) {
      return Invalid(absl::StrCat(name, " is declared twice"));
    }
    if (t->name()->str().find('\0') != std::string::npos) {
      return Invalid(absl::StrCat(name, " has a NUL byte in its name"));
    }
    if (neff::DTypeUserName(t->dtype()) == nullptr) {
      return Invalid(absl::StrCat(name, " has unknown dtype ", static_cast<int>(t->dtype())));
    }
    __int128 bytes = neff::DTypeSize(t->dtype());
    if (t->shape() == nullptr) continue;
    for (int64_t d : *t->shape()) {
      if (d < 0) return Invalid(absl::StrCat(name, " has negative dim ", d));
      bytes *= d;
      if (bytes > (__int128{1} << 40)) {
        return Invalid(absl::StrCat(name, " is larger than 1 TiB"));
      }
    }
  }
  return absl::OkStatus();
}

// Checks one TensorSource of the consumer `what` (a stage input or a model
// output) of type `consumer`, read by stage `reader` (stages.size() for a
// model output): it names a model input or an earlier stage's output of the
// same dtype and shape.
absl::Status CheckSource(const neff::Model& model, const std::vector<const neff::Model*>& stages,
                         const neff::TensorSource& source, int reader,
                         const neff::TensorInfo& consumer, const std::string& what) {
  const neff::TensorInfo* producer = nullptr;
  std::string from;
  if (source.stage() == -1) {
    if (source.index() >= Count(model.inputs())) {
      return Invalid(absl::StrCat(what, " comes from model input ", source.index(),
                                  ", which does not exist (the model has ", Count(model.inputs()),
                                  " inputs)"));
    }
    producer = model.inputs()->Get(source.index());
    from = Named("model input", source.index(), *producer);
  } else {
    if (source.stage() < 0 || source.stage() >= reader) {
      return Invalid(absl::StrCat(
          what, " comes from stage ", source.stage(), ", which is not an earlier stage (",
          reader == 0 ? "stage 0 reads only model inputs: stage -1"
                      : absl::StrCat("sources are -1 for a model input or stages 0-", reader - 1),
          ")"));
    }
    const neff::Model& stage = *stages[source.stage()];
    if (source.index() >= Count(stage.outputs())) {
      return Invalid(absl::StrCat(what, " comes from stage ", source.stage(), " output ",
                                  source.index(), ", which does not exist (stage ", source.stage(),
                                  " has ", Count(stage.outputs()), " outputs)"));
    }
    producer = stage.outputs()->Get(source.index());
    from = absl::StrCat("stage ", source.stage(), " ", Named("output", source.index(), *producer));
  }
  if (!SameType(*producer, consumer)) {
    return Invalid(absl::StrCat(what, " is ", TypeOf(consumer), " but its source, ", from, ", is ",
                                TypeOf(*producer)));
  }
  return absl::OkStatus();
}

// The rest of CheckNeff for a pipelined file, whose own file and seal have
// been checked: its top level, each stage's NEFF, then the wiring.
absl::Status CheckPipeline(absl::string_view bytes, const neff::Model& model,
                           const LoadOptions& options) {
  const auto& stages = *model.stages();
  const std::string what = absl::StrCat("a pipelined NEFF (", stages.size(), " stages)");
  if (stages.size() > static_cast<size_t>(kMaxStages)) {
    return Invalid(absl::StrCat(what, " has more than ", kMaxStages, " stages"));
  }
  if (Present(model.queues()) || Present(model.load_queues())) {
    return Invalid(absl::StrCat(what, " has queues of its own; its programs belong in the stages"));
  }
  if (Present(model.weights())) {
    return Invalid(absl::StrCat(what, " has weights of its own; they belong in the stages"));
  }
  if (model.dram_size() != 0) {
    return Invalid(absl::StrCat(what, " has a DRAM arena of its own (dram_size ", model.dram_size(),
                                "); the stages have theirs"));
  }
  if (absl::Status s = CheckModelTensors(model, true); !s.ok()) return s;
  if (absl::Status s = CheckModelTensors(model, false); !s.ok()) return s;

  std::vector<const neff::Model*> roots;
  for (flatbuffers::uoffset_t k = 0; k < stages.size(); ++k) {
    const std::string stage_name = absl::StrCat("stage ", k, " of ", stages.size());
    const neff::Stage* stage = stages.Get(k);
    if (stage->neff() == nullptr || stage->neff()->size() == 0) {
      return Invalid(absl::StrCat(stage_name, " has no NEFF"));
    }
    const char* begin = reinterpret_cast<const char*>(stage->neff()->data());
    if ((begin - bytes.data()) % neff::kWeightsAlignment != 0) {
      return Invalid(absl::StrCat(stage_name, ": its NEFF starts at file offset ",
                                  begin - bytes.data(), ", not a multiple of ",
                                  neff::kWeightsAlignment));
    }
    const absl::string_view stage_bytes(begin, stage->neff()->size());
    absl::StatusOr<const neff::Model*> root = OpenSealed(stage_bytes, options);
    absl::Status s = root.status();
    if (s.ok() && (Present((*root)->stages()) || (*root)->output_sources() != nullptr)) {
      s = Invalid("its NEFF has stages of its own (pipelines do not nest)");
    }
    if (s.ok()) s = VerifyProgram(**root);
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat(stage_name, ": ", s.message()));
    roots.push_back(*root);
  }

  for (flatbuffers::uoffset_t k = 0; k < stages.size(); ++k) {
    const neff::Model& stage = *roots[k];
    const auto* sources = stages.Get(k)->inputs();
    const size_t num_sources = sources == nullptr ? 0 : sources->size();
    if (num_sources != Count(stage.inputs())) {
      return Invalid(absl::StrCat("stage ", k, " has ", Count(stage.inputs()),
                                  " inputs but its entry in Model.stages lists ", num_sources,
                                  " sources (one per input)"));
    }
    for (flatbuffers::uoffset_t i = 0; i < num_sources; ++i) {
      const neff::TensorInfo& input = *stage.inputs()->Get(i);
      if (absl::Status s = CheckSource(model, roots, *sources->Get(i), static_cast<int>(k), input,
                                       absl::StrCat("stage ", k, " ", Named("input", i, input)));
          !s.ok()) {
        return s;
      }
    }
  }
  const auto* sources = model.output_sources();
  const size_t num_sources = sources == nullptr ? 0 : sources->size();
  if (num_sources != Count(model.outputs())) {
    return Invalid(absl::StrCat(what, " has ", Count(model.outputs()), " outputs but ", num_sources,
                                " output_sources (one per output)"));
  }
  for (flatbuffers::uoffset_t i = 0; i < num_sources; ++i) {
    const neff::TensorInfo& output = *model.outputs()->Get(i);
    if (absl::Status s =
            CheckSource(model, roots, *sources->Get(i), static_cast<int>(stages.size()), output,
                        Named("model output", i, output));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<const neff::Model*> CheckNeff(absl::string_view bytes, const LoadOptions& options) {
  absl::StatusOr<const neff::Model*> model = OpenSealed(bytes, options);
  if (!model.ok()) return model.status();
  if ((*model)->stages() != nullptr) {
    if ((*model)->stages()->size() == 0) {
      return Invalid("Model.stages is present but empty (a pipelined NEFF has at least 1 stage)");
    }
    if (absl::Status s = CheckPipeline(bytes, **model, options); !s.ok()) return s;
    return model;
  }
  if ((*model)->output_sources() != nullptr) {
    return Invalid("Model.output_sources without Model.stages (only a pipelined NEFF has them)");
  }
  if (absl::Status s = VerifyProgram(**model); !s.ok()) return s;
  return model;
}

absl::string_view StageBytes(const neff::Model& model, int k) {
  const auto* neff_bytes = model.stages()->Get(k)->neff();
  return absl::string_view(reinterpret_cast<const char*>(neff_bytes->data()), neff_bytes->size());
}

absl::StatusOr<std::unique_ptr<NeffImage>> NeffImage::MapFile(const std::string& path) {
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer, before the
  // regular-file check below can refuse it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open file (", std::strerror(errno), ")"));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a NEFF: file is 0 bytes"));
  }
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (p == MAP_FAILED) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, ": cannot map ", size, " bytes (", std::strerror(errno), ")"));
  }
  return std::unique_ptr<NeffImage>(
      new NeffImage(static_cast<const uint8_t*>(p), size, /*mapped=*/true));
}

absl::StatusOr<std::unique_ptr<NeffImage>> NeffImage::CopyOf(const void* data, size_t size) {
  constexpr size_t kAlign = neff::kWeightsAlignment;
  const size_t padded = size == 0 ? kAlign : (size + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, padded);
  if (p == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate ", size, " bytes for the NEFF"));
  }
  if (size > 0) std::memcpy(p, data, size);
  return std::unique_ptr<NeffImage>(
      new NeffImage(static_cast<const uint8_t*>(p), size, /*mapped=*/false));
}

NeffImage::~NeffImage() {
  if (mapped_) {
    ::munmap(const_cast<uint8_t*>(data_), size_);
  } else {
    std::free(const_cast<uint8_t*>(data_));
  }
}

namespace {

// The weights of `model` (`what`: "" or "stage k: ") are 64-byte aligned in
// memory, so the simulator may read them in place.
absl::Status CheckWeightsAligned(const neff::Model& model, const char* file_begin,
                                 const std::string& what) {
  const auto* weights = model.weights();
  if (weights != nullptr && weights->size() > 0 &&
      reinterpret_cast<uintptr_t>(weights->data()) % neff::kWeightsAlignment != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, "corrupt NEFF: the weights section starts at file offset ",
                     reinterpret_cast<const char*>(weights->data()) - file_begin,
                     ", not a multiple of ", neff::kWeightsAlignment));
  }
  return absl::OkStatus();
}

absl::StatusOr<LoadedNeff> Check(std::unique_ptr<NeffImage> image, const LoadOptions& options) {
  auto model = CheckNeff(image->bytes(), options);
  if (!model.ok()) return model.status();
  const char* begin = image->bytes().data();
  if (absl::Status s = CheckWeightsAligned(**model, begin, ""); !s.ok()) return s;
  LoadedNeff loaded;
  if ((*model)->stages() != nullptr) {
    for (flatbuffers::uoffset_t k = 0; k < (*model)->stages()->size(); ++k) {
      const neff::Model* stage = neff::GetSizePrefixedModel(StageBytes(**model, k).data());
      if (absl::Status s = CheckWeightsAligned(*stage, begin, absl::StrCat("stage ", k, ": "));
          !s.ok()) {
        return s;
      }
      loaded.stages.push_back(stage);
    }
  }
  loaded.model = *model;
  loaded.image = std::move(image);
  return loaded;
}

absl::Status WithPath(const std::string& path, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
}

}  // namespace

absl::StatusOr<LoadedNeff> LoadNeffFile(const std::string& path, const LoadOptions& options) {
  auto image = NeffImage::MapFile(path);
  if (!image.ok()) return image.status();  // already names the path
  auto loaded = Check(*std::move(image), options);
  if (!loaded.ok()) return WithPath(path, loaded.status());
  return loaded;
}

absl::StatusOr<LoadedNeff> LoadNeffBytes(const void* data, size_t size,
                                         const LoadOptions& options) {
  auto image = NeffImage::CopyOf(data, size);
  if (!image.ok()) return image.status();
  return Check(*std::move(image), options);
}

}  // namespace ncc::runtime
