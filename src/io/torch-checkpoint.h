// PyTorch checkpoints written by torch.save (the zip format of PyTorch >= 1.6): a zip archive
// holding "<name>/data.pkl" (the pickled object) and one stored entry per storage
// ("<name>/data/<key>"). Tensors are views into a memory map of the file, honouring storage
// offsets and strides; complex64 tensors (RoPE freqs_cis) become f32 [..., 2] (real, imaginary).
#pragma once

#include <map>
#include <string>

#include "core/tensor.h"
#include "io/mapped-file.h"
#include "io/pickle.h"

namespace sam3rt {

// The unpickled top-level object. Throws kIo / kFormat / kUnsupported naming the file and the
// problem (not a zip, truncated, unsupported opcode, global or storage type, out-of-range tensor).
PyRef read_torch_checkpoint(const std::string& path);
PyRef read_torch_checkpoint(std::shared_ptr<MappedFile> file);

// The state dict of a checkpoint: the top-level dict's "model" (or "state_dict") entry when it
// has one, else the top-level dict itself. Non-tensor values are skipped.
std::map<std::string, Tensor> load_torch_state_dict(const std::string& path);
std::map<std::string, Tensor> load_torch_state_dict(std::shared_ptr<MappedFile> file);

}  // namespace sam3rt
