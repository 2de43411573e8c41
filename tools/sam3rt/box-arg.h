// Parsing the --box argument of `sam3rt segment` (its own file so that tests/fuzz can reach it).
#pragma once

#include <string>

#include "sam3rt/sam3rt.hpp"

namespace sam3rt::cli {

// "X0,Y0,X1,Y1" with an optional ":neg"/":negative" (negative exemplar) or ":pos"/":positive"
// suffix. Throws UsageError quoting the argument (escaped, capped) when it is not four finite
// numbers or x1 < x0 or y1 < y0. Boxes outside the image are refused later, knowing the image.
Box parse_box(const std::string& spec);

}  // namespace sam3rt::cli
