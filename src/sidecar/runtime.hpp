#pragma once
// The sidecar process: loads resources, initialises components, serves the Dapr API, the
// sidecar-to-sidecar port and metrics, delivers subscriptions, and shuts down gracefully.
#include "sidecar/options.hpp"

namespace lf::sidecar {

// Runs until SIGTERM/SIGINT; returns the process exit code (1 when start-up fails).
int run_sidecar(const Options& options);

}  // namespace lf::sidecar
