#pragma once
// The files the launcher keeps in a broker's data directory.
#include <string>

#include "core/error.hpp"
#include "kafka/broker.hpp"

namespace lf::kafka::files {

Result<std::string> read_classpath(const std::string& classpath_file);
// The cluster id stored in the data dir, created (Kafka's base64url UUID form) on first use.
Result<std::string> cluster_id(const std::string& data_dir);
Status write_server_properties(const BrokerOptions& options, int port, int controller_port);
Status write_log4j_properties(const std::string& data_dir);
bool storage_formatted(const std::string& data_dir);
std::string path_in(const std::string& data_dir, const std::string& name);

}  // namespace lf::kafka::files
