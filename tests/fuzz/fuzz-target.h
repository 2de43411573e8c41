// One fuzz target = one SAM3RT_FUZZ_TARGET(name) { ... } block in tests/fuzz/fuzz-<name>.cpp.
//
// The same source builds two ways:
//   - with SAM3RT_LIBFUZZER (the `fuzz` preset, clang -fsanitize=fuzzer,address,undefined): one
//     executable per target whose LLVMFuzzerTestOneInput runs the block;
//   - without it (every other build, g++ included): the block registers itself under its name and
//     test_fuzz_regress replays the committed inputs (tests/fuzz/regressions/<name>/ and
//     tests/fuzz/corpus/<name>/) through it, so `make test` re-checks every crash ever found.
//
// run_guarded() is the contract every target checks: the input may be refused with a
// sam3rt::Error (any code but kInternal, which means a bug) whose message is safe to print; any
// other exception, an internal error or an unsafe message aborts, which libFuzzer reports as a
// crash and the replay test as a failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace sam3rt::fuzz {

using TargetFn = void (*)(const uint8_t* data, size_t size);

std::map<std::string, TargetFn>& registry();

struct Registrar {
  Registrar(const char* name, TargetFn fn) { registry()[name] = fn; }
};

// Runs `body`, accepting a clean sam3rt::Error and aborting (with the reason on stderr) on anything
// else; see the file comment.
void run_guarded(const char* target, const std::function<void()>& body);

// Aborts when `message` is not safe to print (core/safe-text.h) or longer than the cap.
void check_message(const char* target, std::string_view message);

// The test data folder (tests/data), for targets that need a fixture (the tokenizer's merges).
std::string test_data_dir();

// Splits the input at the first occurrence of `separator` (for targets that take two inputs,
// like config.json + index); without it, the whole input is the first part.
std::pair<std::string_view, std::string_view> split_input(const uint8_t* data, size_t size,
                                                          std::string_view separator);

}  // namespace sam3rt::fuzz

#ifdef SAM3RT_LIBFUZZER
#define SAM3RT_FUZZ_ENTRY(name)                                                     \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {        \
    sam3rt_fuzz_##name(data, size);                                                 \
    return 0;                                                                       \
  }
#else
#define SAM3RT_FUZZ_ENTRY(name) \
  static const ::sam3rt::fuzz::Registrar sam3rt_fuzz_registrar_##name(#name, sam3rt_fuzz_##name);
#endif

// SAM3RT_FUZZ_TARGET(zip_archive) { ... uses data, size ... }
#define SAM3RT_FUZZ_TARGET(name)                                               \
  static void sam3rt_fuzz_body_##name(const uint8_t* data, size_t size);       \
  static void sam3rt_fuzz_##name(const uint8_t* data, size_t size) {           \
    ::sam3rt::fuzz::run_guarded(#name, [&] { sam3rt_fuzz_body_##name(data, size); }); \
  }                                                                            \
  SAM3RT_FUZZ_ENTRY(name)                                                      \
  static void sam3rt_fuzz_body_##name(const uint8_t* data, size_t size)
