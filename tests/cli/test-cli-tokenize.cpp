// `sam3rt tokenize` end to end.
#include <gtest/gtest.h>

#include "common/test-util.h"

namespace sam3rt {
namespace {

TEST(CliTokenize, PrintsOneLineOfIdsPerText) {
  const std::string vocab = test::data_dir() + "/sam3-tiny/model/tiny-bpe.txt.gz";
  std::string out;
  const int rc = test::run_command(test::cli_path() + " tokenize --tokenizer " + vocab + " --context 8 'a photo of a cat' 'Dog!!'", &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "912 320 891 632 320 593 913 0\n912 604 0 256 913 0 0 0\n");
}

TEST(CliTokenize, HuggingFaceFolderAndErrors) {
  std::string out;
  EXPECT_EQ(test::run_command(test::cli_path() + " tokenize --tokenizer " + test::data_dir() +
                                  "/sam3-tiny/model-hf --merges 400 --context 4 cat",
                              &out),
            0)
      << out;
  EXPECT_EQ(out, "912 593 913 0\n");
  EXPECT_NE(test::run_command(test::cli_path() + " tokenize --tokenizer /no/such/file cat", &out), 0);
  EXPECT_NE(out.find("/no/such/file"), std::string::npos) << out;
  EXPECT_NE(test::run_command(test::cli_path() + " tokenize --tokenizer " + test::data_dir() +
                                  "/sam3-tiny/model/tiny-bpe.txt.gz --merges 5000 cat",
                              &out),
            0);
  EXPECT_NE(out.find("needs 5000"), std::string::npos) << out;
  EXPECT_NE(out.find("tiny-bpe.txt.gz"), std::string::npos) << out;
}

TEST(CliTokenize, ModelCarriesItsTokenizer) {
  const std::string tiny = test::data_dir() + "/sam3-tiny";
  std::string out;
  // A Hugging Face folder holds vocab.json + merges.txt; a .pt needs --tokenizer beside it.
  for (const std::string& args : {"--model " + tiny + "/model-hf", "--model " + tiny + "/model/sam3-tiny.pt --tokenizer " +
                                                                       tiny + "/model/tiny-bpe.txt.gz"}) {
    EXPECT_EQ(test::run_command(test::cli_path() + " tokenize " + args + " 'a photo of a cat'", &out), 0) << out;
    EXPECT_EQ(out, "912 320 891 632 320 593 913 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n") << args;
  }
  EXPECT_NE(test::run_command(test::cli_path() + " tokenize cat", &out), 0);
  EXPECT_NE(out.find("--model or --tokenizer"), std::string::npos) << out;
}

}  // namespace
}  // namespace sam3rt
