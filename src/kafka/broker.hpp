#pragma once
// The real Apache Kafka 3.9.1 broker (KRaft, one node acting as broker and controller), run from
// the jars that scripts/fetch-kafka.sh caches. Used by the platform and by integration tests.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "process/process.hpp"

namespace lf::kafka {

struct BrokerOptions {
  std::string data_dir;  // required; created; keeps cluster id, logs and properties across restarts
  int num_partitions = 1;
  int port = 0;             // PLAINTEXT port; 0 = a free one
  // The PLAINTEXT port clients are told to connect to after bootstrap; 0 = `port`. Another port
  // puts something (a fault proxy forwarding to `port`) in front of every client connection.
  int advertised_port = 0;
  int controller_port = 0;  // 0 = a free one
  std::string classpath_file;  // empty = default cache location (see default_classpath_file)
  std::string java = "java";
  std::string max_heap = "512m";
  // C1-only JIT and serial GC: the JVM starts about twice as fast, plenty for tests and one machine.
  bool fast_jvm_start = true;
  // The JVM gets SIGKILL if this process dies without running destructors (a crashed test).
  // Tied to the thread that (re)starts the broker: do that from a long-lived thread.
  bool die_with_parent = true;
  Duration start_timeout = std::chrono::seconds(90);
  Duration stop_grace = std::chrono::seconds(10);
  std::vector<std::pair<std::string, std::string>> extra_properties;  // appended to server.properties
};

// $LEARNFLOW_CACHE or $XDG_CACHE_HOME/learnflow or ~/.cache/learnflow, then kafka-3.9.1/classpath.txt
std::string default_classpath_file();

class KafkaBroker {
 public:
  // Writes the configuration, formats storage on first use, starts the JVM and waits until a
  // metadata request succeeds.
  static Result<std::unique_ptr<KafkaBroker>> start(BrokerOptions options);
  ~KafkaBroker();  // kills the broker's process group

  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  int advertised_port() const { return options_.advertised_port > 0 ? options_.advertised_port : port_; }
  int controller_port() const { return controller_port_; }
  const std::string& data_dir() const { return options_.data_dir; }
  std::string log_path() const;
  pid_t pid() const;
  bool is_running();
  // Wall time of the last (re)start until the broker answered metadata requests.
  Duration last_start_duration() const { return last_start_duration_; }

  Status stop();   // SIGTERM, SIGKILL after stop_grace
  Status kill();   // SIGKILL at once
  Status freeze();  // SIGSTOP
  Status thaw();    // SIGCONT
  // Starts again on the same ports and data (clients reconnect to the same bootstrap).
  Status restart();
  Status create_topic(const std::string& topic, int partitions = 1, Duration timeout = std::chrono::seconds(30));

 private:
  explicit KafkaBroker(BrokerOptions options) : options_(std::move(options)) {}
  Status prepare();
  Status launch();

  BrokerOptions options_;
  std::string classpath_;
  int port_ = 0;
  int controller_port_ = 0;
  std::vector<process::ReservedPort> reserved_ports_;  // the ports chosen here
  std::optional<process::Process> process_;
  Duration last_start_duration_{};
};

}  // namespace lf::kafka
