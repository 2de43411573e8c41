// Subcommands of the sam3rt program. Each lives in its own file (cmd-<name>.cpp) and registers
// itself with a static CommandRegistrar, so adding a command touches no other file:
//
//   static CommandRegistrar reg("info", "Describe a model file", [](CLI::App& cmd) {
//     auto opts = std::make_shared<Options>();
//     cmd.add_option("model", opts->model, "...")->required();
//     return [opts] { return run_info(*opts); };   // runs after parsing; returns the exit code
//   });
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <stdexcept>
#include <string>

namespace sam3rt::cli {

// A mistake in how the program was called (exit code 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using CommandHandler = std::function<int()>;
using CommandSetup = std::function<CommandHandler(CLI::App& command)>;

struct CommandRegistrar {
  CommandRegistrar(const char* name, const char* description, CommandSetup setup);
};

void register_commands(CLI::App& app);
int dispatch(CLI::App& app);  // runs the parsed subcommand, returns the exit code

int run_devices();

}  // namespace sam3rt::cli
