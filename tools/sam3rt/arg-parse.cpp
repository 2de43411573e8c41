#include "tools/sam3rt/arg-parse.h"

#include <cmath>
#include <sstream>

#include "core/safe-text.h"
#include "tools/sam3rt/commands.h"

namespace sam3rt::cli {

CoordSpec parse_coords(const std::string& flag, const std::string& spec_in, size_t count, const std::string& form) {
  // The argument is quoted in errors escaped and capped, like every quoted input (core/safe-text.h).
  const std::string spec = safe_text(spec_in);
  CoordSpec out;
  std::string coords = spec_in;
  const size_t colon = spec_in.find(':');
  if (colon != std::string::npos) {
    out.label = spec_in.substr(colon + 1);
    coords = spec_in.substr(0, colon);
  }
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
    // stof accepts "nan"/"inf"; coordinates must be finite pixel positions.
    if (used == 0 || used != item.size() || !std::isfinite(f))
      throw UsageError(flag + " '" + spec + "': '" + safe_text(item) + "' is not a finite number; expected " + form);
    out.values.push_back(f);
  }
  if (out.values.size() != count || coords.empty() || coords.back() == ',')
    throw UsageError(flag + " '" + spec + "': expected " + std::to_string(count) + " numbers, " + form +
                     " (pixels of the original image)");
  return out;
}

}  // namespace sam3rt::cli
