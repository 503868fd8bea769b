#pragma once
// Shared by the platform commands (up, down, status, logs, scale): where the state directory is
// and how to reach the supervisor. The supervisor and the CLI talk through files in the state
// directory: supervisor.pid, status.json (rewritten every second), control/scale/<deployment>.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace lf::cli {

// Adds --state-dir (default $LEARNFLOW_STATE_DIR, else .learnflow) and returns the bound string.
void add_state_dir_option(CLI::App& cmd, std::string& state_dir);

// The running supervisor's pid for this state directory, or nullopt.
std::optional<pid_t> running_supervisor(const std::string& state_dir);

// status.json as written by the supervisor, or nullopt.
std::optional<nlohmann::json> read_status(const std::string& state_dir);

// Pids of platform processes (learnflow, learnflow-sidecar, java, prometheus, postgres) whose command
// line mentions the state directory: what `down` must leave none of.
std::vector<pid_t> processes_using(const std::string& state_dir);

}  // namespace lf::cli
