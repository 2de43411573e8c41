// The CLI's coordinate arguments (--box X0,Y0,X1,Y1[:neg], --point X,Y[:label]) through their
// shared parser, tools/sam3rt/arg-parse.cpp.
#include <cmath>
#include <cstdlib>

#include "fuzz/fuzz-target.h"
#include "tools/sam3rt/arg-parse.h"
#include "tools/sam3rt/commands.h"

SAM3RT_FUZZ_TARGET(box_arg) {
  const std::string spec(reinterpret_cast<const char*>(data), size);
  for (size_t count : {size_t{4}, size_t{2}}) {
    try {
      const sam3rt::cli::CoordSpec c = sam3rt::cli::parse_coords(count == 4 ? "--box" : "--point", spec, count,
                                                                 count == 4 ? "X0,Y0,X1,Y1[:neg]" : "X,Y[:label]");
      // An accepted argument is exactly `count` finite numbers.
      if (c.values.size() != count) std::abort();
      for (float v : c.values)
        if (!std::isfinite(v)) std::abort();
    } catch (const sam3rt::cli::UsageError& e) {
      sam3rt::fuzz::check_message("box_arg", e.what());
    }
  }
}
