#pragma once
// Reads Resiliency resources the way daprd does in self-hosted mode: the top-level *.yaml/*.yml
// files of each resources path (paths in flag order, files in name order; no recursion), every
// `kind: Resiliency` document in them. Other kinds are skipped silently; problems go to the
// observer (daprd's ERROR/WARN lines) and, when given, to `diagnostics` with their locations.
#include <string>
#include <vector>

#include "core/diagnostics.hpp"
#include "resiliency/model.hpp"
#include "resiliency/observer.hpp"

namespace lf::resiliency {

std::vector<Resiliency> load_resiliency(const std::vector<std::string>& resources_paths, Observer* observer,
                                        Diagnostics* diagnostics = nullptr);

}  // namespace lf::resiliency
