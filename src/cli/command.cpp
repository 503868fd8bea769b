#include "cli/command.hpp"

#include <algorithm>
#include <iostream>
#include <map>

namespace lf::cli {
namespace {
std::vector<CommandInfo>& registry() {
  static std::vector<CommandInfo> items;  // function-local: safe whatever the static init order
  return items;
}
}  // namespace

RegisterCommand::RegisterCommand(std::string name, std::string description, Setup setup) {
  registry().push_back({std::move(name), std::move(description), std::move(setup)});
}

const std::vector<CommandInfo>& commands() {
  auto& items = registry();
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return items;
}

int run(int argc, char** argv) {
  CLI::App app{"learnflow: lint, run and inspect the LearnFlow platform", "learnflow"};
  app.require_subcommand(1);
  std::map<const CLI::App*, Action> actions;
  for (const auto& command : commands()) {
    auto* sub = app.add_subcommand(command.name, command.description);
    actions[sub] = command.setup(*sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and usage to stderr
    return kExitUsage;
  }
  for (auto* sub : app.get_subcommands()) {
    auto it = actions.find(sub);
    if (it != actions.end() && it->second) return it->second();
  }
  return kExitUsage;
}

}  // namespace lf::cli
