// ref: sam3/model/sam3_image_processor.py Sam3Processor.set_image (transform = v2.Compose([
// ToDtype(uint8, scale=True), Resize((S, S)), ToDtype(float32, scale=True), Normalize(0.5, 0.5)]))
#include "pipeline/preprocess.h"

#include "ops/ops.h"

namespace sam3rt {

// resized_u8: [3, S, S] u8 → [1, 3, S, S] f32
Tensor normalize_image_u8(const Tensor& resized_u8) {
  SAM3RT_CHECK(resized_u8.defined() && resized_u8.dtype() == DType::kU8 && resized_u8.dim() == 3,
               kInvalidArgument, "normalize_image_u8: expected a u8 [3, H, W] image, got ",
               resized_u8.defined() ? resized_u8.str() : std::string("undefined"));
  const Tensor src = resized_u8.contiguous();
  Tensor out = Tensor::empty(Shape{1, src.size(0), src.size(1), src.size(2)});
  const uint8_t* s = src.data<uint8_t>();
  float* d = out.data<float>();
  // The steps stay separate, in float32, as the reference does them: v2.ToDtype(scale=True)
  // multiplies by the scalar 1.0/255 (rounded to float, not a division by 255), then
  // v2.Normalize subtracts 0.5 and divides by 0.5.
  // Each step is rounded to float explicitly (the products in double are exact), so that the
  // compiler cannot fuse x·(1/255) − 0.5 into one fma and change the last bit. 256 values: a table.
  const double inv255 = static_cast<float>(1.0 / 255.0);
  float table[256];
  for (int v = 0; v < 256; ++v) {
    const float x = static_cast<float>(v * inv255);
    table[v] = static_cast<float>(static_cast<double>(x) - 0.5) / 0.5f;
  }
  for (int64_t i = 0, n = src.numel(); i < n; ++i) d[i] = table[s[i]];
  return out;
}

// image: [H, W, 3] u8 → [1, 3, S, S] f32
Tensor preprocess_image(const Image& image, int image_size, Tensor* resized_u8_out) {
  SAM3RT_CHECK(image_size > 0, kInvalidArgument, "preprocess_image: image_size must be positive, got ",
               image_size);
  const Tensor chw = image_to_chw_tensor(image);                                          // [3, H, W] u8
  const Tensor resized = ops::resize_bilinear_antialias_u8(chw, image_size, image_size);  // [3, S, S] u8
  if (resized_u8_out) *resized_u8_out = resized;
  return normalize_image_u8(resized);
}

}  // namespace sam3rt
