#include "tools/sam3rt/commands.h"

#include <functional>
#include <map>

namespace sam3rt::cli {

namespace {
std::map<CLI::App*, std::function<int()>>& handlers() {
  static std::map<CLI::App*, std::function<int()>> h;
  return h;
}
}  // namespace

void register_commands(CLI::App& app) {
  CLI::App* devices = app.add_subcommand("devices", "List the devices this build can use");
  handlers()[devices] = [] { return run_devices(); };
}

int dispatch(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands()) {
    auto it = handlers().find(sub);
    if (it != handlers().end()) return it->second();
  }
  throw UsageError("no command given");
}

}  // namespace sam3rt::cli
