// A .pt checkpoint end to end: zip, data.pkl, storages, tensor views; then every tensor is read
// whole, so a view that escaped its storage is caught by AddressSanitizer.
#include "core/tensor.h"
#include "fuzz/fuzz-target.h"
#include "io/torch-checkpoint.h"

SAM3RT_FUZZ_TARGET(torch_checkpoint) {
  auto tensors = sam3rt::load_torch_state_dict(sam3rt::MappedFile::from_memory(data, size, "fuzz.pt"));
  for (const auto& [name, t] : tensors) (void)t.contiguous();
}
