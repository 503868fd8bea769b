#include "kafka/broker_files.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/strings.hpp"

namespace lf::kafka {

std::string default_classpath_file() {
  std::string cache;
  if (const char* v = std::getenv("LEARNFLOW_CACHE"); v && *v) {
    cache = v;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    cache = std::string(x) + "/learnflow";
  } else {
    const char* home = std::getenv("HOME");
    cache = std::string(home ? home : "") + "/.cache/learnflow";
  }
  return cache + "/kafka-3.9.1/classpath.txt";
}

namespace files {
namespace fs = std::filesystem;

std::string path_in(const std::string& data_dir, const std::string& name) { return (fs::path(data_dir) / name).string(); }

namespace {

Status write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return fail("cannot write " + path + "; check that the directory is writable");
  return {};
}

std::string base64url(const unsigned char* bytes, std::size_t n) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    value = (value << 8) | bytes[i];
    bits += 8;
    while (bits >= 6) {
      out += alphabet[(value >> (bits - 6)) & 0x3f];
      bits -= 6;
    }
  }
  if (bits > 0) out += alphabet[(value << (6 - bits)) & 0x3f];
  return out;
}

}  // namespace

Result<std::string> read_classpath(const std::string& classpath_file) {
  std::ifstream in(classpath_file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string classpath(trim(ss.str()));
  if (!in || classpath.empty())
    return fail("the Kafka broker artifacts are not fetched (no " + classpath_file + "); run scripts/setup.sh");
  for (auto jar : split(classpath, ':')) {
    if (!jar.empty() && !fs::exists(std::string(jar)))
      return fail("the Kafka classpath names a missing jar (" + std::string(jar) + "); delete " + classpath_file +
                  " and run scripts/setup.sh again");
  }
  return classpath;
}

Result<std::string> cluster_id(const std::string& data_dir) {
  std::string path = path_in(data_dir, "cluster.id");
  std::ifstream in(path);
  std::string id;
  if (in >> id && !id.empty() && id.front() != '-') return id;
  // Like Kafka's own Uuid.randomUuid(), never start with '-': the storage tool would read such
  // an id as an option ("argument --cluster-id/-t: expected one argument").
  std::random_device random;
  unsigned char bytes[16];
  do {
    for (auto& b : bytes) b = static_cast<unsigned char>(random());
    id = base64url(bytes, sizeof bytes);
  } while (id.front() == '-');
  if (auto written = write_text(path, id + "\n"); !written) return unexpected(written.error());
  return id;
}

Status write_server_properties(const BrokerOptions& options, int port, int controller_port) {
  std::string p = std::to_string(port);
  std::string c = std::to_string(controller_port);
  std::string advertised = std::to_string(options.advertised_port > 0 ? options.advertised_port : port);
  std::ostringstream out;
  out << "# Written by the LearnFlow Kafka launcher; rewritten on every start.\n"
      << "node.id=1\n"
      << "process.roles=broker,controller\n"
      << "listeners=PLAINTEXT://127.0.0.1:" << p << ",CONTROLLER://127.0.0.1:" << c << "\n"
      << "advertised.listeners=PLAINTEXT://127.0.0.1:" << advertised << "\n"
      << "controller.listener.names=CONTROLLER\n"
      << "inter.broker.listener.name=PLAINTEXT\n"
      << "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
      << "controller.quorum.voters=1@127.0.0.1:" << c << "\n"
      << "log.dirs=" << path_in(options.data_dir, "kraft-logs") << "\n"
      << "num.partitions=" << options.num_partitions << "\n"
      << "auto.create.topics.enable=true\n"
      << "offsets.topic.replication.factor=1\n"
      // One offsets partition instead of 50: the first consumer group is ready much sooner.
      << "offsets.topic.num.partitions=1\n"
      << "transaction.state.log.replication.factor=1\n"
      << "transaction.state.log.min.isr=1\n"
      << "transaction.state.log.num.partitions=1\n"
      << "group.initial.rebalance.delay.ms=0\n"
      // After a SIGKILL the restarted broker cannot register until the old session expires.
      << "broker.session.timeout.ms=2000\n"
      << "broker.heartbeat.interval.ms=500\n"
      << "num.network.threads=2\n"
      << "num.io.threads=2\n"
      << "num.recovery.threads.per.data.dir=1\n"
      << "log.retention.hours=24\n";
  for (const auto& [key, value] : options.extra_properties) out << key << "=" << value << "\n";
  return write_text(path_in(options.data_dir, "server.properties"), out.str());
}

Status write_log4j_properties(const std::string& data_dir) {
  return write_text(path_in(data_dir, "log4j.properties"),
                    "log4j.rootLogger=INFO, stdout\n"
                    "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
                    "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
                    "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
                    "log4j.logger.org.apache.kafka.clients=WARN\n"
                    "log4j.logger.state.change.logger=WARN\n");
}

bool storage_formatted(const std::string& data_dir) {
  return fs::exists(fs::path(path_in(data_dir, "kraft-logs")) / "meta.properties");
}

}  // namespace files
}  // namespace lf::kafka
