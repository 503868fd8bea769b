#include "sidecar/options.hpp"

#include <gtest/gtest.h>

using lf::sidecar::parse_byte_size;
using lf::sidecar::parse_options;

TEST(SidecarOptions, ByteSizes) {
  EXPECT_EQ(*parse_byte_size("4Mi"), 4u * 1024 * 1024);
  EXPECT_EQ(*parse_byte_size("512Ki"), 512u * 1024);
  EXPECT_EQ(*parse_byte_size("1G"), 1000000000u);
  EXPECT_EQ(*parse_byte_size("1048576"), 1048576u);
  EXPECT_EQ(parse_byte_size("4 MB").error().message, "invalid size \"4 MB\" (write e.g. 4Mi or 1048576)");
  EXPECT_FALSE(parse_byte_size("-1"));
}

TEST(SidecarOptions, DaprdFlags) {
  const char* argv[] = {"learnflow-sidecar", "--app-id", "course-agent", "--app-port", "8081", "--dapr-http-port",
                        "3501", "--metrics-port", "9091", "--resources-path", "a", "--resources-path", "b",
                        "--components-path", "c", "--config", "cfg.yaml", "--log-level", "debug", "--log-as-json",
                        "--max-body-size", "1Mi", "--app-health-probe-interval", "2", "--enable-app-health-check", "true"};
  auto o = parse_options(static_cast<int>(std::size(argv)), argv);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->app_id, "course-agent");
  EXPECT_EQ(o->app_port, 8081);
  EXPECT_EQ(o->dapr_http_port, 3501);
  EXPECT_EQ(o->metrics_port, 9091);
  EXPECT_EQ(o->resources_paths, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(o->config_files, (std::vector<std::string>{"cfg.yaml"}));
  EXPECT_EQ(o->log_level, lf::log::Level::debug);
  EXPECT_TRUE(o->log_as_json);
  EXPECT_EQ(o->max_body_size, 1u << 20);
  EXPECT_EQ(o->app_health_probe_interval, std::chrono::seconds(2));
  EXPECT_TRUE(o->enable_app_health_check);
  EXPECT_EQ(o->listen_address, "127.0.0.1");  // loopback unless told otherwise
  EXPECT_EQ(o->cpu_scheduling, "batch");
}

TEST(SidecarOptions, CpuSchedulingIsBatchOrNormal) {
  const char* normal[] = {"learnflow-sidecar", "--app-id", "x", "--cpu-scheduling", "normal"};
  auto n = parse_options(5, normal);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n->cpu_scheduling, "normal");
  const char* bad[] = {"learnflow-sidecar", "--app-id", "x", "--cpu-scheduling", "fifo"};
  auto b = parse_options(5, bad);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "invalid --cpu-scheduling \"fifo\" (batch, normal)");
}

TEST(SidecarOptions, UsageErrorsExitTwo) {
  const char* missing[] = {"learnflow-sidecar", "--app-port", "1"};
  auto a = parse_options(3, missing);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().exit_code, 2);
  EXPECT_NE(a.error().message.find("--app-id"), std::string::npos);
  const char* bad_level[] = {"learnflow-sidecar", "--app-id", "x", "--log-level", "loud"};
  auto b = parse_options(5, bad_level);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "invalid --log-level \"loud\" (debug, info, warn, error, fatal)");
  const char* help[] = {"learnflow-sidecar", "--help"};
  auto h = parse_options(2, help);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().exit_code, 0);
}
