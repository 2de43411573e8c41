// `sam3rt tokenize --tokenizer FILE TEXT...`: the token ids SAM 3's text encoder receives for
// each text (the reference's CLIP BPE tokenizer, context 32, padding 0), one line per text.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "model/config.h"
#include "text/bpe-merges.h"
#include "text/clip-tokenizer.h"
#include "tools/sam3rt/commands.h"

namespace sam3rt::cli {
namespace {

struct TokenizeOptions {
  std::string tokenizer;
  std::vector<std::string> texts;
  int merges = -1;
  int context = Sam3Config::released().text_context;
  bool show_tokens = false;
};

int run_tokenize(const TokenizeOptions& o) {
  if (o.texts.empty()) throw UsageError("tokenize: give at least one TEXT");
  if (o.context < 1) throw UsageError("tokenize: --context must be at least 1");
  // The CLIP file holds more merges than SAM 3 uses: take the released count unless told.
  const ClipTokenizer tok = [&] {
    if (o.merges >= 0) return ClipTokenizer::from_file(o.tokenizer, o.merges);
    const std::vector<std::string> merges = load_bpe_merges(o.tokenizer);
    return ClipTokenizer(merges, static_cast<int>(std::min<size_t>(merges.size(), Sam3Config::released().bpe_merges)));
  }();
  for (const std::string& text : o.texts) {
    const std::vector<int32_t> ids = tok.encode(text, o.context);
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
      cmd.add_option("--tokenizer", o->tokenizer,
                     "CLIP BPE vocabulary: bpe_simple_vocab_16e6.txt.gz (gzip or plain), a Hugging Face folder or "
                     "its vocab.json / merges.txt / tokenizer.json")
          ->required()
          ->check(CLI::ExistingPath);
      cmd.add_option("--merges", o->merges,
                     "number of merges to use (default: the released model's 48894, or all the file has if fewer)");
      cmd.add_option("--context", o->context, "context length: truncate (end token kept) and pad with 0 to this")
          ->capture_default_str();
      cmd.add_flag("--show-tokens", o->show_tokens, "print each id's vocabulary string after it");
      cmd.add_option("text", o->texts, "the texts to tokenize")->required();
      cmd.footer(
          "Loading the vocabulary from a model file (--model) comes with the model loader; until then pass "
          "--tokenizer.\n");
      return [o] { return run_tokenize(*o); };
    });

}  // namespace
}  // namespace sam3rt::cli
