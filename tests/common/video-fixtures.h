// Helpers for the video tracker's parity tests against tests/data/sam3-tiny-video (see its
// README.md): the tiny video model, a session's operations replayed through VideoTracker with
// every named intermediate dumped, and the comparison with the reference tensors.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/features.h"
#include "model/sam3-image.h"

namespace sam3rt::test {

std::string tiny_video_dir();  // tests/data/sam3-tiny-video
std::vector<std::string> video_session_names();
// The tiny video model (model/sam3-tiny-video.pt) on `device`, loaded once per process.
std::shared_ptr<const Sam3ImageModel> tiny_video_model(Device device);
// tests/data/sam3-tiny-video/frames/%05d.png
std::string tiny_video_frame_path(int frame);

struct VideoSessionRun {
  nlohmann::json manifest;                  // sessions/<name>.json
  std::map<std::string, Tensor> reference;  // sessions/<name>.safetensors
  TensorDump ours;                          // the same names, computed here
  std::map<int, std::vector<int>> yielded;  // op → frames a propagation produced, in order
};

// Replays the session on `device` (the model is loaded once per process and device).
VideoSessionRun run_video_session(const std::string& name, Device device);

// Every reference tensor is present with its shape; float tensors within rel_tol (relative L2
// error), integer tensors equal, u8 masks equal on ≥ 99.9% of pixels. Returns the worst relative
// error; prints one line per kind under `label`.
double expect_video_session_matches(const VideoSessionRun& run, double rel_tol, const std::string& label);

}  // namespace sam3rt::test
