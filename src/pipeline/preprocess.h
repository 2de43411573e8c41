// The reference's image preprocessing (spec §2.1): squash to image_size × image_size with
// torchvision's antialiased bilinear resize rounded to uint8, then x/255, (x − 0.5)/0.5, CHW.
#pragma once

#include "core/tensor.h"
#include "io/image.h"

namespace sam3rt {

// → f32 [1, 3, S, S] with S = image_size. When resized_u8_out is given it receives the resized
// u8 [3, S, S] image (the fixtures' input.resized_u8).
Tensor preprocess_image(const Image& image, int image_size, Tensor* resized_u8_out = nullptr);

// The normalisation step alone: u8 [3, S, S] → f32 [1, 3, S, S], ((x / 255) − 0.5) / 0.5.
Tensor normalize_image_u8(const Tensor& resized_u8);

}  // namespace sam3rt
