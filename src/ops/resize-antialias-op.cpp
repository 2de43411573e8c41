// Dispatch of ops::resize_bilinear_antialias_u8 (declared in ops/ops.h).
#include "backend/cpu/resize-antialias.h"
#include "core/profiler.h"
#include "ops/ops.h"

namespace sam3rt::ops {

// image: u8 [C, H, W] → u8 [C, oh, ow]
Tensor resize_bilinear_antialias_u8(const Tensor& image, int oh, int ow) {
  const OpScope profile_scope("resize_bilinear_antialias_u8");
  SAM3RT_CHECK(image.defined() && image.dtype() == DType::kU8 && image.dim() == 3, kInvalidArgument,
               "resize_bilinear_antialias_u8: expected a u8 [C, H, W] image, got ",
               image.defined() ? image.str() : std::string("an undefined tensor"));
  SAM3RT_CHECK(oh > 0 && ow > 0, kInvalidArgument, "resize_bilinear_antialias_u8: output size must be positive, got ",
               oh, "x", ow);
  SAM3RT_CHECK(image.size(0) > 0 && image.size(1) > 0 && image.size(2) > 0, kInvalidArgument,
               "resize_bilinear_antialias_u8: empty image ", image.str());
  // Only a CPU kernel exists: preprocessing runs on the host before the pixels go to the device.
  SAM3RT_CHECK(image.device().is_cpu(), kUnsupported, "resize_bilinear_antialias_u8: no kernel for device ",
               image.device().str(), "; pass a CPU image");
  const Tensor src = image.contiguous();
  const int c = static_cast<int>(src.size(0)), h = static_cast<int>(src.size(1)), w = static_cast<int>(src.size(2));
  Tensor out = Tensor::empty(Shape{c, oh, ow}, DType::kU8);
  cpu::resize_bilinear_antialias_u8(src.data<uint8_t>(), c, h, w, out.data<uint8_t>(), oh, ow);
  return out;
}

}  // namespace sam3rt::ops
