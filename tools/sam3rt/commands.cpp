#include "tools/sam3rt/commands.h"

#include <map>
#include <vector>

namespace sam3rt::cli {

namespace {
struct Registered {
  std::string name, description;
  CommandSetup setup;
};
std::vector<Registered>& registry() {
  static std::vector<Registered> r;
  return r;
}
std::map<CLI::App*, CommandHandler>& handlers() {
  static std::map<CLI::App*, CommandHandler> h;
  return h;
}
}  // namespace

CommandRegistrar::CommandRegistrar(const char* name, const char* description, CommandSetup setup) {
  registry().push_back({name, description, std::move(setup)});
}

void register_commands(CLI::App& app) {
  std::sort(registry().begin(), registry().end(), [](auto& a, auto& b) { return a.name < b.name; });
  for (auto& r : registry()) {
    CLI::App* sub = app.add_subcommand(r.name, r.description);
    handlers()[sub] = r.setup(*sub);
  }
}

int dispatch(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands()) {
    auto it = handlers().find(sub);
    if (it != handlers().end()) return it->second();
  }
  throw UsageError("no command given");
}

}  // namespace sam3rt::cli
