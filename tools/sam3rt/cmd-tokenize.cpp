// `sam3rt tokenize (--model M | --tokenizer T) TEXT...`: the token ids SAM 3's text encoder
// receives for each text (the reference's CLIP BPE tokenizer, context 32, padding 0), one line
// per text.
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/model-loader.h"
#include "model/config.h"
#include "text/bpe-merges.h"
#include "text/clip-tokenizer.h"
#include "tools/sam3rt/commands.h"

namespace sam3rt::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string tokenizer;
  bool context_given = false;
  std::vector<std::string> texts;
  int merges = -1;
  int context = Sam3Config::released().text_context;
  bool show_tokens = false;
};

int run_tokenize(const TokenizeOptions& o) {
  if (o.texts.empty()) throw UsageError("tokenize: give at least one TEXT");
  if (o.context < 1) throw UsageError("tokenize: --context must be at least 1");
  if (o.model.empty() && o.tokenizer.empty()) throw UsageError("tokenize: give --model or --tokenizer");
  int context = o.context;
  const ClipTokenizer tok = [&] {
    if (!o.model.empty()) {
      // The model file (or folder) carries its merges and their count; --tokenizer overrides the
      // merges, as for the other commands.
      LoadOptions lo;
      lo.tokenizer_path = o.tokenizer;
      lo.keep_dtype = true;
      lo.validate = false;
      const LoadedModel m = load_model(o.model, lo);
      if (m.bpe_merges.empty())
        throw Error(ErrorCode::kInvalidArgument, o.model + ": the model carries no tokenizer; pass --tokenizer");
      if (!o.context_given) context = m.config.text_context;
      return ClipTokenizer(m.bpe_merges, o.merges >= 0 ? o.merges : m.config.bpe_merges);
    }
    if (o.merges >= 0) return ClipTokenizer::from_file(o.tokenizer, o.merges);
    // The CLIP file holds more merges than SAM 3 uses: take the released count unless told.
    const std::vector<std::string> merges = load_bpe_merges(o.tokenizer);
    return ClipTokenizer(merges, static_cast<int>(std::min<size_t>(merges.size(), Sam3Config::released().bpe_merges)));
  }();
  for (const std::string& text : o.texts) {
    const std::vector<int32_t> ids = tok.encode(text, context);
    std::string line;
    bool in_text = true;  // up to the end token; after it come the 0 pads
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i) line += ' ';
      line += std::to_string(ids[i]);
      if (o.show_tokens && in_text) line += "(" + tok.token(ids[i]) + ")";
      if (ids[i] == tok.eot_id()) in_text = false;
    }
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

CommandRegistrar reg(
    "tokenize", "Print the token ids of each TEXT (one line per text) as SAM 3's text encoder receives them",
    [](CLI::App& cmd) -> CommandHandler {
      auto o = std::make_shared<TokenizeOptions>();
      cmd.add_option("--model", o->model,
                     "model whose tokenizer to use (native .sam3rt file, sam3.pt with --tokenizer, or a Hugging Face "
                     "folder); its merge count and context length are used")
          ->check(CLI::ExistingPath);
      cmd.add_option("--tokenizer", o->tokenizer,
                     "CLIP BPE vocabulary: bpe_simple_vocab_16e6.txt.gz (gzip or plain), a Hugging Face folder or "
                     "its vocab.json / merges.txt / tokenizer.json")
          ->check(CLI::ExistingPath);
      cmd.add_option("--merges", o->merges,
                     "number of merges to use (default: the released model's 48894, or all the file has if fewer)");
      CLI::Option* ctx =
          cmd.add_option("--context", o->context,
                         "context length: truncate (end token kept) and pad with 0 to this (default: the model's)")
              ->capture_default_str();
      cmd.add_flag("--show-tokens", o->show_tokens, "print each id's vocabulary string after it");
      cmd.add_option("text", o->texts, "the texts to tokenize")->required();
      cmd.footer("Ids 0 after the end token are padding (a genuine id 0, the token \"!\", can occur in the text).\n");
      return [o, ctx] {
        o->context_given = ctx->count() > 0;
        return run_tokenize(*o);
      };
    });

}  // namespace
}  // namespace sam3rt::cli
