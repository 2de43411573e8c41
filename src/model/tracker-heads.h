// The parts of the SAM 3 tracker that one image needs (ref: sam3/model/sam3_tracker_base.py
// Sam3TrackerBase: the SAM2 neck branch it reads, no_mem_embed, sam_prompt_encoder,
// sam_mask_decoder). Interactive segmentation of an image is these alone; video tracking adds
// the memory on top of them.
#pragma once

#include <memory>
#include <vector>

#include "io/model-file.h"
#include "model/features.h"
#include "model/sam-mask-decoder.h"
#include "model/sam-prompt-encoder.h"

namespace sam3rt {

class SimpleFpnNeck;

class TrackerHeads {
 public:
  // Reads detector.backbone.vision_backbone.sam2_convs.* and tracker.*; throws kFormat naming the
  // first missing or mis-shaped tensor.
  TrackerHeads(const Sam3Config& config, const WeightStore& weights);
  ~TrackerHeads();

  // trunk: the ViT output [1, C, g, g] → the tracker's features of that image. Dumps
  // sam2_neck.fpn.{0,1,2}, tracker.feat_s0, tracker.feat_s1, tracker.image_embed.
  TrackerImageFeatures encode_image(const Tensor& trunk, TensorDump* dump = nullptr) const;

  // One prompt set on one image (ref: sam3/model/sam1_task_predictor.py
  // SAM3InteractiveImagePredictor._predict): points in the model frame (boxes already turned into
  // labelled corners), an optional mask prompt [1, 1, 4g, 4g] (low-res logits), multimask output.
  // Dumps prompt.*, mask_decoder.*.
  SamDecoderOutput predict(const TrackerImageFeatures& image, const std::vector<SamPoint>& points,
                           const Tensor& mask_input, bool multimask, TensorDump* dump = nullptr) const;

  const SamPromptEncoder& prompt_encoder() const { return prompt_encoder_; }
  const SamMaskDecoder& mask_decoder() const { return mask_decoder_; }

 private:
  std::unique_ptr<SimpleFpnNeck> neck_;
  Tensor no_mem_embed_;  // [1, 1, d]
  SamPromptEncoder prompt_encoder_;
  SamMaskDecoder mask_decoder_;
  int mask_size_ = 0;  // 4g
};

}  // namespace sam3rt
