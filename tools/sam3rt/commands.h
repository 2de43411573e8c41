// Subcommands of the sam3rt program. Each lives in its own file (cmd-<name>.cpp) and registers
// itself in commands.cpp.
#pragma once

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>

namespace sam3rt::cli {

// A mistake in how the program was called (exit code 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void register_commands(CLI::App& app);
int dispatch(CLI::App& app);  // runs the parsed subcommand, returns the exit code

int run_devices();

}  // namespace sam3rt::cli
