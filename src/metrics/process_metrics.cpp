#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "metrics/metrics.hpp"

namespace lf::metrics {
namespace {

struct ProcStat {
  double cpu_seconds = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
  double start_time_seconds = 0;
};

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double v = 0;
      in >> v;
      return v;
    }
  }
  return 0;
}

ProcStat read_self_stat() {
  ProcStat s;
  std::ifstream in("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = content.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(content.substr(close + 2));
  std::string field;
  // Fields after the command name start at field 3 (state); utime is 14, stime 15, starttime 22, vsize 23, rss 24.
  double utime = 0, stime = 0, starttime = 0, vsize = 0, rss = 0;
  for (int i = 3; i <= 24 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
    if (i == 22) starttime = std::stod(field);
    if (i == 23) vsize = std::stod(field);
    if (i == 24) rss = std::stod(field);
  }
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.cpu_seconds = (utime + stime) / ticks;
  s.virtual_bytes = vsize;
  s.resident_bytes = rss * static_cast<double>(sysconf(_SC_PAGESIZE));
  s.start_time_seconds = boot_time_seconds() + starttime / ticks;
  return s;
}

double count_open_fds() {
  double n = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(dir))
      if (e->d_name[0] != '.') ++n;
    closedir(dir);
    n -= 1;  // the directory handle itself
  }
  return n;
}

}  // namespace

void register_process_metrics(Registry& registry) {
  auto& cpu = registry.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.").with({});
  auto& rss = registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.").with({});
  auto& vms = registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.").with({});
  auto& start = registry.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.").with({});
  auto& fds = registry.gauge("process_open_fds", "Number of open file descriptors.").with({});
  auto& max_fds = registry.gauge("process_max_fds", "Maximum number of open file descriptors.").with({});
  registry.on_collect([&cpu, &rss, &vms, &start, &fds, &max_fds] {
    ProcStat s = read_self_stat();
    double delta = s.cpu_seconds - cpu.value();
    if (delta > 0) cpu.inc(delta);
    rss.set(s.resident_bytes);
    vms.set(s.virtual_bytes);
    start.set(s.start_time_seconds);
    fds.set(count_open_fds());
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) max_fds.set(static_cast<double>(lim.rlim_cur));
  });
}

}  // namespace lf::metrics
