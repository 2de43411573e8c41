#include "tools/sam3rt/box-arg.h"

#include <cmath>
#include <sstream>
#include <vector>

#include "core/safe-text.h"
#include "tools/sam3rt/commands.h"

namespace sam3rt::cli {

Box parse_box(const std::string& spec_in) {
  // The argument is quoted in errors: escaped and capped, like every quoted input.
  const std::string spec = safe_text(spec_in);
  std::string coords = spec_in;
  Box box;
  const size_t colon = spec_in.find(':');
  if (colon != std::string::npos) {
    const std::string label = spec_in.substr(colon + 1);
    if (label == "neg" || label == "negative")
      box.positive = false;
    else if (label != "pos" && label != "positive")
      throw UsageError("--box '" + spec + "': the label after ':' must be 'neg' or 'pos'");
    coords = spec_in.substr(0, colon);
  }
  std::vector<float> v;
  std::stringstream ss(coords);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    float f = 0;
    try {
      f = std::stof(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    // stof accepts "nan"/"inf"; a box must be four finite pixel coordinates.
    if (used == 0 || used != item.size() || !std::isfinite(f))
      throw UsageError("--box '" + spec + "': '" + safe_text(item) +
                       "' is not a finite number; expected X0,Y0,X1,Y1[:neg]");
    v.push_back(f);
  }
  if (v.size() != 4 || coords.empty() || coords.back() == ',')
    throw UsageError("--box '" + spec +
                     "': expected four numbers X0,Y0,X1,Y1 (pixels), optionally followed by :neg");
  if (v[2] < v[0] || v[3] < v[1])
    throw UsageError("--box '" + spec +
                     "': x1 < x0 or y1 < y0; give the top-left corner first (X0,Y0,X1,Y1)");
  box.xyxy = {v[0], v[1], v[2], v[3]};
  return box;
}

}  // namespace sam3rt::cli
