// A loaded SAM 3 model: configuration, named weights and the tokenizer merges, from any input
// sam3rt accepts (native .sam3rt safetensors file, official sam3.pt + config, Hugging Face folder).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/config.h"

namespace sam3rt {

// Weights by their official state_dict key ("detector.backbone.vision_backbone.trunk.pos_embed").
// Tensors are views into a memory map where the file allows it. complex64 tensors (freqs_cis)
// are exposed as f32 [..., 2] (real, imaginary).
class WeightStore {
 public:
  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  // Throws kFormat "model file is missing tensor '<name>'" when absent.
  const Tensor& get(const std::string& name) const;
  // get() plus a shape check: kFormat naming the tensor, the expected and the found shape.
  const Tensor& get(const std::string& name, const Shape& expected) const;
  void set(const std::string& name, Tensor t) { tensors_[name] = std::move(t); }
  void erase(const std::string& name) { tensors_.erase(name); }
  const std::map<std::string, Tensor>& all() const { return tensors_; }
  size_t size() const { return tensors_.size(); }
  // Where the weights live: all on one device (Sam3ImageModel uploads them together); CPU when empty.
  Device device() const { return tensors_.empty() ? Device::cpu() : tensors_.begin()->second.device(); }

 private:
  std::map<std::string, Tensor> tensors_;
};

struct LoadedModel {
  Sam3Config config;
  WeightStore weights;
  std::vector<std::string> bpe_merges;  // "a b" lines of the CLIP merges list, in rank order
  std::string format;                   // "sam3rt", "pytorch", "huggingface"
  std::string path;
};

}  // namespace sam3rt
