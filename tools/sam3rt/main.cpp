// The `sam3rt` command-line program: one binary with subcommands.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "backend/backend.h"
#include "core/blas.h"
#include "core/error.h"
#include "core/log.h"
#include "tools/sam3rt/commands.h"

namespace {

void stderr_logger(sam3rt::LogLevel level, const char* message, void* user) {
  int min_level = *static_cast<int*>(user);
  if (static_cast<int>(level) < min_level) return;
  const char* prefix = level == sam3rt::LogLevel::kWarning ? "warning: " : level == sam3rt::LogLevel::kError ? "error: " : "";
  std::fprintf(stderr, "%s%s\n", prefix, message);
}

int g_log_level = static_cast<int>(sam3rt::LogLevel::kInfo);

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sam3rt " SAM3RT_VERSION
               " - SAM 3 (Segment Anything with Concepts) inference in C++, on CPU or GPU, without Python"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "sam3rt " SAM3RT_VERSION);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Print debug messages");

  sam3rt::cli::register_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (verbose) g_log_level = static_cast<int>(sam3rt::LogLevel::kDebug);
  sam3rt::set_log_callback(stderr_logger, &g_log_level);

  try {
    if (app.get_subcommands().empty()) {
      std::printf("sam3rt %s\n\n", SAM3RT_VERSION);
      return sam3rt::cli::run_devices();
    }
    return sam3rt::cli::dispatch(app);
  } catch (const sam3rt::cli::UsageError& e) {
    std::fprintf(stderr, "sam3rt: %s\nRun 'sam3rt --help' for usage.\n", e.what());
    return 2;
  } catch (const sam3rt::Error& e) {
    std::fprintf(stderr, "sam3rt: error: %s\n", e.what());
    return e.code() == sam3rt::ErrorCode::kInvalidArgument ? 2 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sam3rt: error: %s\n", e.what());
    return 1;
  }
}
