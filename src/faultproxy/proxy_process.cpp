#include "faultproxy/proxy_process.hpp"

#include <unistd.h>

#include <thread>

#include "http/client.hpp"

namespace lf::faultproxy {
using namespace std::chrono_literals;

namespace {

// The wanted port, or one reserved for as long as the proxy exists: its listener closes while it
// refuses connections, and nothing else may take the port meanwhile.
Result<int> port_or_reserved(int wanted, std::vector<process::ReservedPort>& reserved_ports) {
  if (wanted > 0) return wanted;
  auto reserved = process::ReservedPort::reserve();
  if (!reserved) return fail("no free port for the fault proxy: " + reserved.error().message);
  reserved_ports.push_back(std::move(*reserved));
  return reserved_ports.back().port();
}

}  // namespace

Result<std::unique_ptr<ProxyProcess>> ProxyProcess::start(ProxyProcessOptions options) {
  if (::access(options.binary.c_str(), X_OK) != 0)
    return fail("the fault proxy binary " + options.binary + " is missing: build learnflow-faultproxy or pass --bin-dir");
  std::unique_ptr<ProxyProcess> proxy(new ProxyProcess(std::move(options)));
  const auto& o = proxy->options_;
  auto listen = port_or_reserved(o.listen_port, proxy->reserved_ports_);
  if (!listen) return unexpected(listen.error());
  auto control = port_or_reserved(o.control_port, proxy->reserved_ports_);
  if (!control) return unexpected(control.error());
  proxy->listen_port_ = *listen;
  proxy->control_port_ = *control;

  process::SpawnOptions spawn;
  spawn.argv = {o.binary, "--upstream", o.upstream, "--listen-port", std::to_string(*listen), "--control-port",
                std::to_string(*control)};
  spawn.output = o.log_path.empty() ? process::Output::inherit : process::Output::file;
  spawn.log_path = o.log_path;
  spawn.die_with_parent = o.die_with_parent;
  auto spawned = process::Process::spawn(spawn);
  if (!spawned) return fail("the fault proxy did not start: " + spawned.error().message);
  proxy->process_.emplace(std::move(*spawned));

  const std::string log_hint = o.log_path.empty() ? std::string("its output") : o.log_path;
  const auto deadline = std::chrono::steady_clock::now() + o.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!proxy->process_->is_running()) {
      const auto& status = proxy->process_->exit_status();
      return fail("the fault proxy exited at start (" + (status ? status->describe() : std::string("unknown")) +
                  "; a port taken?): read " + log_hint);
    }
    if (proxy->answers_control() && process::tcp_port_open("127.0.0.1", *listen)) return proxy;
    std::this_thread::sleep_for(50ms);
  }
  return fail("the fault proxy did not answer on its control port within " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(o.start_timeout).count()) + "s: read " +
              log_hint);
}

ProxyProcess::~ProxyProcess() { stop(); }

pid_t ProxyProcess::pid() const { return process_ ? process_->pid() : -1; }

bool ProxyProcess::is_running() { return process_ && process_->is_running(); }

bool ProxyProcess::answers_control() {
  auto answer = http::fetch(control_url() + "/stats", {}, 1s);
  return answer && answer->status == 200;
}

void ProxyProcess::stop() {
  if (process_ && process_->is_running()) process_->stop(options_.stop_grace);
}

}  // namespace lf::faultproxy
