// Helpers for the interactive-segmentation parity tests against tests/data/sam3-tiny-tracker
// (made by tools/fixtures/generate-sam3-tiny-tracker.py, see its README.md): the tiny model with
// tracker weights, its click cases, and the comparison of every recorded tensor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/sam3-fixtures.h"
#include "pipeline/image-session.h"

namespace sam3rt::test {

std::string tiny_tracker_dir();  // tests/data/sam3-tiny-tracker

// model/sam3-tiny-tracker.pt with its config and the tiny tokenizer; loaded once per process.
std::shared_ptr<const LoadedModel> load_tiny_tracker_model();

std::vector<std::string> tracker_case_names();
FixtureCase load_tracker_case(const std::string& name);

// A session on the tiny tracker model placed on `device` (one per device, per process).
pipeline::ImageSession& tiny_tracker_session(Device device);

// The case's prompt as `sam3rt click` passes it (pixel points, box, multimask, and for a refine
// case the recorded input.mask_input).
pipeline::ClickPrompt case_click_prompt(const FixtureCase& c);

// Runs the case (its image file, then click) with the dump on; returns the dump.
const TensorDump& run_click_case_with_dump(pipeline::ImageSession& session, const FixtureCase& c);

// Every tensor of the case's reference file against the dump under the same name: float tensors
// within kF32Tolerance relative, out.iou_predictions within 1e-5 absolute, out.masks equal on
// >= 99.9% of pixels, point labels exact. Returns how many it checked.
int expect_click_dump_matches_case(const FixtureCase& c, const TensorDump& dump, const char* tag);

}  // namespace sam3rt::test
