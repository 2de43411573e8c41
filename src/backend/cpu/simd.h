// Which SIMD instruction set the CPU kernels were compiled for. The kernels are plain loops that
// the compiler vectorises for the target named by the build's flags (cmake/arch-flags.cmake), and
// the f16 conversions use NEON directly on Arm; a build whose flags leave the target without SIMD
// (a cross build without -march, an Arm build with +nosimd) still works, only slower, so this
// string is what tests and `sam3rt devices` can check.
#pragma once

namespace sam3rt::cpu {

// Compile-time, from the predefined target macros of the translation unit that holds the kernels'
// flags: "neon" (+"+fp16", "+bf16", "+dotprod", "+sve" extensions) on Arm, "avx512f", "avx2+fma",
// "avx", "sse2" on x86-64, otherwise "scalar".
const char* simd_isa();

}  // namespace sam3rt::cpu
