#pragma once
// Small librdkafka admin calls used by the launcher and by tests: readiness and topic creation.
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace lf::kafka {

// Succeeds once a metadata request to bootstrap answers with at least one broker.
Status check_metadata(const std::string& bootstrap, Duration timeout);

// Creates a topic (an existing topic counts as success).
Status create_topic(const std::string& bootstrap, const std::string& topic, int partitions, Duration timeout);

}  // namespace lf::kafka
