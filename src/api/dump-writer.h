// Writes a session's TensorDump (named intermediates) to a safetensors file, atomically.
#pragma once

#include <string>

#include "model/features.h"

namespace sam3rt::api {

void write_dump(const std::string& path, const TensorDump& dump);

}  // namespace sam3rt::api
