#include "fuzz/fuzz-image.h"
#include "fuzz/fuzz-target.h"

SAM3RT_FUZZ_TARGET(image_jpeg) { sam3rt::fuzz::decode_image_both_ways(data, size); }
