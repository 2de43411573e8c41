// safetensors header and offsets; every tensor is then read whole.
#include "fuzz/fuzz-target.h"
#include "io/safetensors.h"

SAM3RT_FUZZ_TARGET(safetensors) {
  sam3rt::SafetensorsFile f = sam3rt::open_safetensors(sam3rt::MappedFile::from_memory(data, size, "fuzz.safetensors"));
  for (const auto& [name, t] : f.tensors()) (void)t.contiguous();
}
