#pragma once
// One real PostgreSQL server per test binary, in a temporary directory that is removed at exit.
// Register with ::testing::AddGlobalTestEnvironment(new lf::testing::PostgresEnvironment) or use
// LF_POSTGRES_TEST_ENVIRONMENT once in a test file.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "postgres/launcher.hpp"

namespace lf::testing {

class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    char pattern[] = "/tmp/lf-pg-XXXXXX";
    const char* dir = mkdtemp(pattern);
    ASSERT_NE(dir, nullptr) << "could not create a temporary directory under /tmp";
    base_dir_ = dir;
    postgres::LaunchOptions options;
    options.base_dir = base_dir_;
    options.durable = false;
    auto started = postgres::PostgresServer::start(options);
    ASSERT_TRUE(started) << started.error().message;
    server_ = std::move(*started);
    instance_ = this;
  }
  void TearDown() override {
    if (server_) (void)server_->stop();
    server_.reset();
    instance_ = nullptr;
    if (!base_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(base_dir_, ec);
    }
  }
  static postgres::PostgresServer* server() { return instance_ ? instance_->server_.get() : nullptr; }
  static const std::string& base_dir() { return instance_->base_dir_; }

 private:
  static inline PostgresEnvironment* instance_ = nullptr;
  std::string base_dir_;
  std::unique_ptr<postgres::PostgresServer> server_;
};

}  // namespace lf::testing

#define LF_POSTGRES_TEST_ENVIRONMENT \
  static ::testing::Environment* const lf_postgres_environment_ = \
      ::testing::AddGlobalTestEnvironment(new ::lf::testing::PostgresEnvironment)
