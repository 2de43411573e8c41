// Parsing of the coordinate arguments the commands share (--box, --point): comma-separated finite
// numbers with an optional ":label" suffix. Failures are UsageErrors (exit 2) that quote the
// argument and say what was expected.
#pragma once

#include <string>
#include <vector>

namespace sam3rt::cli {

struct CoordSpec {
  std::vector<float> values;
  std::string label;  // the text after ':', empty when there is none
};

// `spec` = "v0,v1,...[:label]" with exactly `count` finite numbers. `flag` ("--box") and `form`
// ("X0,Y0,X1,Y1[:neg]") word the error messages.
CoordSpec parse_coords(const std::string& flag, const std::string& spec, size_t count, const std::string& form);

}  // namespace sam3rt::cli
