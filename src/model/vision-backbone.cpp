#include "model/vision-backbone.h"

#include <string>

#include "model/neck.h"
#include "model/position-encoding.h"
#include "model/vit.h"

namespace sam3rt {

namespace {
constexpr const char* kPrefix = "detector.backbone.vision_backbone.";
}

struct VisionBackbone::Impl {
  Sam3Config config;
  VitTrunk trunk;
  SimpleFpnNeck neck;
  SinePositionEncoding pos;
  Impl(const Sam3Config& c, const WeightStore& w)
      : config(c),
        trunk(c, w, std::string(kPrefix) + "trunk."),
        neck(c, w, kPrefix),
        pos(c.d_model, w.device()) {
    // The level sizes are fixed by the configuration: fill the cache now so forward never
    // computes an encoding.
    const int g = c.grid_size();
    for (int s : {4 * g, 2 * g, g}) pos.get(s, s);
  }
};

VisionBackbone::VisionBackbone(const Sam3Config& config, const WeightStore& weights)
    : impl_(std::make_unique<Impl>(config, weights)) {}

VisionBackbone::~VisionBackbone() = default;

// ref: sam3/model/vl_combiner.py SAM3VLBackbone._forward_image_no_act_ckpt (scalp=1)
BackboneFeatures VisionBackbone::forward(const Tensor& pixels, TensorDump* dump) const {
  // pixels: [1, 3, S, S]
  const int64_t S = impl_->config.image_size;
  SAM3RT_CHECK(pixels.dim() == 4 && pixels.size(0) == 1 && pixels.size(1) == 3 && pixels.size(2) == S &&
                   pixels.size(3) == S,
               kInvalidArgument, "vision backbone: pixels must be [1, 3, ", S, ", ", S, "], got ",
               pixels.shape().str());
  Tensor feat = impl_->trunk.forward(pixels, dump);  // [1, C, g, g]
  BackboneFeatures out;
  out.trunk = feat;
  out.fpn = impl_->neck.forward(feat);
  for (size_t i = 0; i < out.fpn.size(); ++i) {
    const Tensor& f = out.fpn[i];
    out.pos.push_back(impl_->pos.get(static_cast<int>(f.size(2)), static_cast<int>(f.size(3))));
    if (dump) {
      (*dump)["backbone.fpn." + std::to_string(i)] = f;
      (*dump)["backbone.pos." + std::to_string(i)] = out.pos.back();
    }
  }
  return out;
}

}  // namespace sam3rt
