// The native .sam3rt file: safetensors plus format metadata, configuration JSON and the merges.
#include "fuzz/fuzz-target.h"
#include "io/native-model-file.h"

SAM3RT_FUZZ_TARGET(native_model) {
  sam3rt::SafetensorsFile f = sam3rt::open_safetensors(sam3rt::MappedFile::from_memory(data, size, "fuzz.sam3rt"));
  if (sam3rt::is_native_model(f)) sam3rt::read_native_model(f);
}
