#include "kafka/broker.hpp"

#include <csignal>
#include <filesystem>
#include <thread>

#include "core/strings.hpp"
#include "core/text_file.hpp"
#include "kafka/admin.hpp"
#include "kafka/broker_files.hpp"

namespace lf::kafka {
namespace {

using namespace std::chrono_literals;

std::string describe_spawn_failure(const std::string& java, const Error& error) {
  if (error.message.find("No such file") != std::string::npos)
    return "Java was not found (" + java + "); install a Java 17 runtime (apt-get install openjdk-17-jre-headless) or run scripts/setup.sh";
  return error.message;
}

std::vector<std::string> java_command(const BrokerOptions& options, const std::string& classpath) {
  std::vector<std::string> argv = {options.java, "-Xmx" + options.max_heap, "-Xms64m", "-XX:-UsePerfData",
                                   "-Djava.awt.headless=true"};
  if (options.fast_jvm_start) {
    argv.push_back("-XX:TieredStopAtLevel=1");
    argv.push_back("-XX:+UseSerialGC");
  }
  argv.push_back("-Dlog4j.configuration=file:" + files::path_in(options.data_dir, "log4j.properties"));
  argv.push_back("-Dkafka.logs.dir=" + files::path_in(options.data_dir, "logs"));
  argv.push_back("-cp");
  argv.push_back(classpath);
  return argv;
}

}  // namespace

Result<std::unique_ptr<KafkaBroker>> KafkaBroker::start(BrokerOptions options) {
  if (options.data_dir.empty()) return fail("the Kafka launcher needs a data directory");
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return fail("cannot create the Kafka data directory " + options.data_dir + ": " + ec.message());
  options.data_dir = std::filesystem::absolute(options.data_dir).string();
  if (options.classpath_file.empty()) options.classpath_file = default_classpath_file();

  std::unique_ptr<KafkaBroker> broker(new KafkaBroker(std::move(options)));
  if (auto prepared = broker->prepare(); !prepared) return unexpected(prepared.error());
  if (auto launched = broker->launch(); !launched) return unexpected(launched.error());
  return broker;
}

KafkaBroker::~KafkaBroker() = default;

std::string KafkaBroker::log_path() const { return files::path_in(options_.data_dir, "broker.log"); }

pid_t KafkaBroker::pid() const { return process_ ? process_->pid() : -1; }

bool KafkaBroker::is_running() { return process_ && process_->is_running(); }

Status KafkaBroker::prepare() {
  auto classpath = files::read_classpath(options_.classpath_file);
  if (!classpath) return unexpected(classpath.error());
  classpath_ = std::move(*classpath);

  for (auto [wanted, chosen] : {std::pair{options_.port, &port_}, std::pair{options_.controller_port, &controller_port_}}) {
    if (wanted > 0) {
      *chosen = wanted;
      continue;
    }
    auto reserved = process::ReservedPort::reserve();  // held while this broker exists, restarts included
    if (!reserved) return unexpected(reserved.error());
    *chosen = reserved->port();
    reserved_ports_.push_back(std::move(*reserved));
  }
  if (auto w = files::write_server_properties(options_, port_, controller_port_); !w) return w;
  if (auto w = files::write_log4j_properties(options_.data_dir); !w) return w;
  if (files::storage_formatted(options_.data_dir)) return {};

  auto id = files::cluster_id(options_.data_dir);
  if (!id) return unexpected(id.error());
  auto argv = java_command(options_, classpath_);
  for (const char* arg : {"kafka.tools.StorageTool", "format", "--ignore-formatted", "-t"}) argv.push_back(arg);
  argv.push_back(*id);
  argv.push_back("-c");
  argv.push_back(files::path_in(options_.data_dir, "server.properties"));
  std::string format_log = files::path_in(options_.data_dir, "format.log");
  auto format = process::Process::spawn({.argv = argv,
                                         .output = process::Output::file,
                                         .log_path = format_log,
                                         .die_with_parent = options_.die_with_parent});
  if (!format) return fail(describe_spawn_failure(options_.java, format.error()));
  auto status = format->wait_for(options_.start_timeout);
  if (!status) {
    format->stop(1s);
    return fail("formatting the Kafka storage in " + options_.data_dir + " timed out; see " + format_log);
  }
  if (!status->success())
    return fail("formatting the Kafka storage in " + options_.data_dir + " failed (" + status->describe() + "); see " +
                format_log + ":\n" + join(last_lines(format_log, 10), "\n"));
  return {};
}

Status KafkaBroker::launch() {
  for (int port : {port_, controller_port_}) {
    if (process::tcp_port_open("127.0.0.1", port))
      return fail("port " + std::to_string(port) + " on 127.0.0.1 is taken by another process; stop it or let the launcher choose a free port");
  }
  auto started = std::chrono::steady_clock::now();
  auto argv = java_command(options_, classpath_);
  argv.push_back("kafka.Kafka");
  argv.push_back(files::path_in(options_.data_dir, "server.properties"));
  auto spawned = process::Process::spawn({.argv = argv,
                                          .output = process::Output::file,
                                          .log_path = log_path(),
                                          .die_with_parent = options_.die_with_parent});
  if (!spawned) return fail(describe_spawn_failure(options_.java, spawned.error()));
  process_.emplace(std::move(*spawned));

  auto deadline = started + options_.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto status = process_->try_wait())
      return fail("the Kafka broker exited during start-up (" + status->describe() + "); see " + log_path() + ":\n" +
                  join(last_lines(log_path(), 15), "\n"));
    if (process::tcp_port_open("127.0.0.1", port_) && check_metadata(bootstrap(), 1s)) {
      last_start_duration_ = std::chrono::steady_clock::now() - started;
      return {};
    }
    std::this_thread::sleep_for(50ms);
  }
  process_->stop(1s);
  return fail("the Kafka broker did not become ready within " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.start_timeout).count()) +
              " s; see " + log_path());
}

Status KafkaBroker::stop() {
  if (!process_ || !process_->is_running()) return {};
  process_->stop(options_.stop_grace);
  return {};
}

Status KafkaBroker::kill() {
  if (!process_ || !process_->is_running()) return {};
  if (auto sent = process_->signal(SIGKILL); !sent) return sent;
  process_->wait();
  return {};
}

Status KafkaBroker::freeze() {
  if (!process_ || !process_->is_running()) return fail("the Kafka broker is not running, so it cannot be frozen");
  return process_->signal(SIGSTOP);
}

Status KafkaBroker::thaw() {
  if (!process_ || !process_->is_running()) return fail("the Kafka broker is not running, so it cannot be thawed");
  return process_->signal(SIGCONT);
}

Status KafkaBroker::restart() {
  if (auto stopped = stop(); !stopped) return stopped;
  process_.reset();
  return launch();
}

Status KafkaBroker::create_topic(const std::string& topic, int partitions, Duration timeout) {
  return kafka::create_topic(bootstrap(), topic, partitions, timeout);
}

}  // namespace lf::kafka
