// Helpers for the parity tests against tests/data/sam3-tiny (see its README.md): the tiny model,
// the inference cases with their reference tensors, and a tensor comparison that explains itself.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/model-file.h"
#include "model/features.h"
#include "pipeline/image-session.h"

namespace sam3rt::test {

std::string tiny_dir();       // tests/data/sam3-tiny
std::string tiny_fp32_dir();  // tests/data/sam3-tiny-fp32
// The shared fixtures' own tensors (TF32 outputs) are read where they are delivered,
// ../shared/fixtures/sam3-tiny/cases, rather than kept in the repository a second time (their
// json, images and model are the same as tests/data/sam3-tiny's). False where ../shared is absent
// (a machine that got the repository alone); tests of them then skip.
std::string shared_tf32_dir();
bool shared_tf32_available();
#define SAM3RT_SKIP_WITHOUT_SHARED_TF32()                                           \
  if (!::sam3rt::test::shared_tf32_available())                                     \
  GTEST_SKIP() << "the shared TF32 fixtures (" << ::sam3rt::test::shared_tf32_dir() \
               << "/cases) are absent on this machine"

// model/sam3-tiny.pt with sam3-tiny.config.json and tiny-bpe.txt.gz; loaded once per process.
std::shared_ptr<const LoadedModel> load_tiny_model();

// Names of all cases (cases/<name>.json), sorted.
std::vector<std::string> case_names();

struct FixtureCase {
  std::string name;
  nlohmann::json meta;                    // cases/<name>.json
  std::map<std::string, Tensor> tensors;  // cases/<name>.safetensors
  bool has(const std::string& tensor) const { return tensors.count(tensor) != 0; }
  // Throws kFormat naming the case and the tensor when absent.
  const Tensor& get(const std::string& tensor) const;
};

// Which reference tensors a case is compared with. kFp32 (the default): the official
// implementation run in float32 with TF32 off (tests/data/sam3-tiny-fp32, made by
// tools/fixtures/regenerate-sam3-tiny.py). kSharedTf32: the shared fixtures as delivered, which were
// computed with TF32 matrix products (see parity/reference-precision.h), read from
// shared_tf32_dir(). Both share the case's json, images and model.
enum class Reference { kFp32, kSharedTf32 };

FixtureCase load_case(const std::string& name, Reference reference = Reference::kFp32);

// Records a gtest failure (not fatal) unless shapes match and ‖ours − ref‖/‖ref‖ ≤ rel_tol; the
// message names the tensor and gives the relative error and the max abs difference. Returns the
// relative error (infinity on a shape mismatch) so callers can report the worst one.
double expect_close(const std::string& name, const Tensor& ours, const Tensor& ref, double rel_tol);

// The case's exemplar boxes ([[cx, cy, w, h], positive] in the json), in the order they were added.
std::vector<BoxPrompt> case_boxes(const FixtureCase& c);
// Fixture names of every tensor the backbone dumps (vit.*, backbone.fpn/pos.*) and of every
// tensor the grounding stages dump (geometry_encoder.*, encoder/decoder layers, raw.*, ...).
std::vector<std::string> backbone_tensor_names(const Sam3Config& cfg);
std::vector<std::string> grounding_tensor_names(const Sam3Config& cfg);

// A session on the tiny model placed on `device` (one model and session per device, per process).
pipeline::ImageSession& tiny_session(Device device);

// Runs case `c` as `sam3rt segment` would (its image file, text and pixel boxes, threshold 0) with
// the dump on, and returns the dump (valid until the session's next call).
const TensorDump& run_case_with_dump(pipeline::ImageSession& session, const FixtureCase& c);

// The dump's tensor `name` on the host, or nothing — with a gtest failure saying why — when the dump
// lacks it or its shape differs from the reference's.
std::optional<Tensor> dumped_like(const TensorDump& dump, const std::string& name, const Tensor& ref);

// Every tensor of the case's reference file against the dump under the same name, with the bars of
// the detector issue: float tensors within kF32Tolerance relative, out.scores within 1e-5 absolute,
// out.boxes_xyxy within 1e-3 pixels, out.masks equal on >= 99.9% of pixels, ids and masks exact,
// input.resized_u8 within ±1. Prints one line per tensor tagged `tag`; returns how many it checked.
int expect_dump_matches_case(const FixtureCase& c, const TensorDump& dump, const char* tag);

}  // namespace sam3rt::test
