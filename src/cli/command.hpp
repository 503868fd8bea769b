#pragma once
// The `learnflow` CLI is a set of subcommands, each in its own file under src/cli/commands/.
// A command file registers itself at static-initialisation time:
//
//   static lf::cli::RegisterCommand reg{"scale", "Set a Deployment's replica count", [](CLI::App& cmd) {
//     auto opts = std::make_shared<Options>();
//     cmd.add_option("TARGET", opts->target)->required();
//     return [opts] { return run_scale(*opts); };   // runs after parsing; returns the exit code
//   }};
//
// The files are compiled into the executable itself (see CMakeLists.txt), so registration is never
// dropped by the linker. Exit codes: 0 success, 1 failure, 2 usage error.
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace lf::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

using Action = std::function<int()>;
// Declares the subcommand's options on `cmd` and returns what to run once parsing succeeded.
using Setup = std::function<Action(CLI::App& cmd)>;

struct CommandInfo {
  std::string name;
  std::string description;
  Setup setup;
};

// Every registered subcommand, sorted by name when read through commands().
const std::vector<CommandInfo>& commands();

struct RegisterCommand {
  RegisterCommand(std::string name, std::string description, Setup setup);
};

// Parses argv and runs the chosen subcommand; returns the process exit code.
int run(int argc, char** argv);

}  // namespace lf::cli
