// CPU kernel for torchvision's antialiased bilinear resize of a uint8 image, reproducing the
// arithmetic of PyTorch's CUDA kernel (the reference resized on the GPU).
#pragma once

#include <cstdint>

namespace sam3rt::cpu {

// src: u8 [C, H, W] contiguous → dst: u8 [C, oh, ow] contiguous. All sizes must be positive.
void resize_bilinear_antialias_u8(const uint8_t* src, int channels, int height, int width, uint8_t* dst,
                                  int out_height, int out_width);

}  // namespace sam3rt::cpu
