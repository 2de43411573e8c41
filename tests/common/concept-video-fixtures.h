// Helpers for the concept-video parity tests against tests/data/sam3-tiny-concept-video (its
// README.md): a session's requests replayed through pipeline::ConceptVideo and every emitted frame
// and per-frame decision compared with the official float32 run.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/device.h"

namespace sam3rt::test {

std::string concept_video_dir();  // tests/data/sam3-tiny-concept-video
// Session names (sessions/*.json); empty when the fixtures are absent.
std::vector<std::string> concept_video_session_names();

struct ConceptParityReport {
  int frames_compared = 0;      // emitted frames (and prompt responses) compared
  int records_compared = 0;     // per-frame decision records compared
  double worst_score_diff = 0;  // out_probs / tracker probs / boxes
  double worst_mask_agreement = 1;
  double worst_det_diff = 0;             // detector scores / masks (intermediates)
  size_t max_stored_tracker_frames = 0;  // non-conditioning tracker outputs held at once
};

// Replays the session on `device` and adds a gtest failure for every difference: the same object ids
// on every frame, scores and boxes within 1e-4, masks equal on ≥ 99.9% of pixels, the same
// decisions (detections kept, new ids, removals) frame by frame. Prints one summary line.
// bounded_memory: ConceptVideoOptions::bounded_memory (the results must not depend on it).
ConceptParityReport run_concept_video_session(const std::string& name, Device device,
                                              bool bounded_memory = true);

}  // namespace sam3rt::test
