// The CLI's --box argument.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "fuzz/fuzz-target.h"
#include "tools/sam3rt/box-arg.h"
#include "tools/sam3rt/commands.h"

SAM3RT_FUZZ_TARGET(box_arg) {
  try {
    sam3rt::Box b = sam3rt::cli::parse_box(std::string(reinterpret_cast<const char*>(data), size));
    // An accepted box is four finite numbers in order.
    for (float v : b.xyxy)
      if (!std::isfinite(v)) std::abort();
    if (b.xyxy[2] < b.xyxy[0] || b.xyxy[3] < b.xyxy[1]) std::abort();
  } catch (const sam3rt::cli::UsageError& e) {
    sam3rt::fuzz::check_message("box_arg", e.what());
  }
}
