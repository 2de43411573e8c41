// Reading numbers from JSON that came from a file. nlohmann's get<int>() of 1e300 or get<float>()
// of 1e300 converts out of range, which is undefined behaviour; these refuse such values instead.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sam3rt {

// Each returns false (leaving *out alone) when `v` is not a number of the target's kind or does
// not fit it: integers must be JSON integers in range, floats finite and in range.
inline bool json_number(const nlohmann::json& v, int* out) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int>::max())) return false;
  } else if (v.is_number_integer()) {
    const int64_t x = v.get<int64_t>();
    if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max()) return false;
  } else {
    return false;
  }
  *out = static_cast<int>(v.get<int64_t>());
  return true;
}

inline bool json_number(const nlohmann::json& v, double* out) {
  if (!v.is_number()) return false;
  const double x = v.get<double>();
  if (!std::isfinite(x)) return false;
  *out = x;
  return true;
}

inline bool json_number(const nlohmann::json& v, float* out) {
  double x;
  if (!json_number(v, &x) || std::fabs(x) > static_cast<double>(std::numeric_limits<float>::max())) return false;
  *out = static_cast<float>(x);
  return true;
}

inline bool json_number(const nlohmann::json& v, std::vector<int>* out) {
  if (!v.is_array()) return false;
  std::vector<int> r;
  r.reserve(v.size());
  for (const auto& e : v) {
    int x;
    if (!json_number(e, &x)) return false;
    r.push_back(x);
  }
  *out = std::move(r);
  return true;
}

// A JSON value as an error message may quote it: scalars in their JSON form (capped to
// kMaxQuotedBytes by the caller's safe_text), arrays and objects by their type name only.
inline std::string json_brief(const nlohmann::json& v) {
  if (v.is_structured()) return std::string("an ") + v.type_name();
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sam3rt
