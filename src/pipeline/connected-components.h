// 8-connected component labelling with per-pixel component areas — what the official code gets
// from cc_torch / its Triton kernel on CUDA and skimage.measure.label(connectivity=2) on the CPU
// (ref: sam3/perflib/connected_components.py). Runs on the host for every device.
#pragma once

#include <cstdint>
#include <vector>

namespace sam3rt::pipeline {

// mask: h·w bytes (non-zero = foreground). Returns h·w areas: the pixel count of the
// 8-connected foreground component each foreground pixel belongs to, 0 for background pixels.
std::vector<int32_t> component_areas(const uint8_t* mask, int h, int w);

// ref: sam3/model/utils/sam1_utils.py SAM2Transforms.postprocess_masks (max_hole_area > 0,
// max_sprinkle_area = 0): in one h×w logit map, every 8-connected component of `logit <= threshold`
// with area <= max_area is a hole and is set to threshold + 10. In place.
void fill_holes(float* logits, int h, int w, float max_area, float threshold = 0.f);

}  // namespace sam3rt::pipeline
