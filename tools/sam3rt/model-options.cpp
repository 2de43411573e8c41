#include "tools/sam3rt/model-options.h"

#include <cstdio>

namespace sam3rt::cli {

void add_model_options(CLI::App& cmd, ModelCliOptions& o, const std::string& model_help) {
  cmd.add_option("--model,-m", o.model, model_help)->required();
  cmd.add_option("--device,-d", o.device, "auto | cpu | cuda | cuda:N | metal")->capture_default_str();
  cmd.add_option("--threads", o.threads, "CPU threads (0 = all cores)")->capture_default_str();
  cmd.add_option("--config", o.config, "Hyperparameters JSON for a bare .pt (default: the released SAM 3)");
  cmd.add_option("--tokenizer", o.tokenizer, "CLIP BPE merges for a bare .pt (bpe_simple_vocab_16e6.txt.gz)");
  cmd.add_option("--precision", o.precision,
                 "Matrix products: fp32 (exact), tf32 (GPU tensor cores, as the official code runs; "
                 "no effect on the CPU), tf32x3 (fp32 accuracy from three TF32 tensor-core products; "
                 "fp32 on the CPU) or bf16 (bf16 operands, f32 accumulation, where the device has it)")
      ->check(CLI::IsMember({"fp32", "tf32", "tf32x3", "bf16"}))
      ->capture_default_str();
  cmd.add_flag("--quiet,-q", o.quiet, "No progress or device messages on stderr");
  cmd.add_flag("--exif", o.exif, "Rotate JPEGs by their EXIF orientation (the reference does not)");
}

Model load_cli_model(const ModelCliOptions& o) {
  set_precision(o.precision);
  ModelOptions mo;
  mo.device = o.device;
  mo.config_path = o.config;
  mo.tokenizer_path = o.tokenizer;
  mo.n_threads = o.threads;
  Model model = Model::load(o.model, mo);
  if (!o.quiet) std::fprintf(stderr, "device: %s\n", model.device().c_str());
  return model;
}

}  // namespace sam3rt::cli
