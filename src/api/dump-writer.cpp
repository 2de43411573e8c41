#include "api/dump-writer.h"

#include "io/safetensors.h"

namespace sam3rt::api {

void write_dump(const std::string& path, const TensorDump& dump) {
  // Tensors are stored as computed (f32, i32 token ids, u8 masks), under the fixtures' names.
  save_safetensors(path, dump, {{"producer", "sam3rt"}});
}

}  // namespace sam3rt::api
