// learnflow-kafka: runs the single-node Kafka broker for scripts until interrupted.
//   learnflow-kafka --data-dir DIR [--port N] [--partitions N]
// Prints "bootstrap=127.0.0.1:PORT" once the broker answers metadata requests.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kafka/broker.hpp"

int main(int argc, char** argv) {
  lf::kafka::BrokerOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--data-dir") options.data_dir = argv[i + 1];
    else if (flag == "--port") options.port = std::atoi(argv[i + 1]);
    else if (flag == "--partitions") options.num_partitions = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown flag %s; usage: learnflow-kafka --data-dir DIR [--port N] [--partitions N]\n", argv[i]);
      return 2;
    }
  }
  if (options.data_dir.empty()) {
    std::fprintf(stderr, "usage: learnflow-kafka --data-dir DIR [--port N] [--partitions N]\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto broker = lf::kafka::KafkaBroker::start(options);
  if (!broker) {
    std::fprintf(stderr, "%s\n", broker.error().message.c_str());
    return 1;
  }
  std::printf("bootstrap=%s\nstartup_ms=%lld\n", (*broker)->bootstrap().c_str(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>((*broker)->last_start_duration()).count()));
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  (void)(*broker)->stop();
  return 0;
}
