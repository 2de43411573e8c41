#include "io/model-file.h"

namespace sam3rt {

const Tensor& WeightStore::get(const std::string& name) const {
  auto it = tensors_.find(name);
  SAM3RT_CHECK(it != tensors_.end(), kFormat, "model file is missing tensor '", name, "'");
  return it->second;
}

const Tensor& WeightStore::get(const std::string& name, const Shape& expected) const {
  const Tensor& t = get(name);
  SAM3RT_CHECK(t.shape() == expected, kFormat, "tensor '", name, "' has shape ", t.shape().str(), ", expected ",
               expected.str());
  return t;
}

}  // namespace sam3rt
