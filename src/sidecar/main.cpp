// learnflow-sidecar: a Dapr-compatible sidecar. Flags follow daprd (see --help).
#include <cstdio>

#include "log/log.hpp"
#include "sidecar/options.hpp"
#include "sidecar/runtime.hpp"

int main(int argc, char** argv) {
  auto options = lf::sidecar::parse_options(argc, argv);
  if (!options) {
    std::fprintf(options.error().exit_code == 0 ? stdout : stderr, "%s\n", options.error().message.c_str());
    return options.error().exit_code;
  }
  lf::log::configure({.app_id = options->app_id, .level = options->log_level, .json = options->log_as_json});
  return lf::sidecar::run_sidecar(*options);
}
