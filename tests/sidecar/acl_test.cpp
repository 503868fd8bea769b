#include "sidecar/acl.hpp"

#include <gtest/gtest.h>

using lf::sidecar::access_allowed;
using lf::sidecar::operation_matches;

TEST(Acl, OperationWildcards) {
  EXPECT_TRUE(operation_matches("/lessons/*", "/lessons/1"));
  EXPECT_TRUE(operation_matches("/lessons/*", "/lessons/1/exercises"));
  EXPECT_TRUE(operation_matches("/*/status", "/users/status"));
  EXPECT_FALSE(operation_matches("/lessons/*", "/status"));
  EXPECT_TRUE(operation_matches("/status", "/status"));
  EXPECT_FALSE(operation_matches("/status", "/status2"));
  EXPECT_TRUE(operation_matches("*", "/anything"));
}

TEST(Acl, NoBlockAllowsEverything) { EXPECT_TRUE(access_allowed(std::nullopt, "x", "", "GET", "any")); }

TEST(Acl, PolicyOperationsThenPolicyDefaultThenGlobalDefault) {
  lf::resources::AccessControl acl;
  acl.default_action = "deny";
  lf::resources::AccessPolicy frontend;
  frontend.app_id = "learnflow-frontend";
  frontend.default_action = "deny";
  frontend.operations.push_back({"/generate-lesson", {"POST"}, "allow"});
  frontend.operations.push_back({"/lessons*", {"*"}, "allow"});
  acl.policies.push_back(frontend);
  lf::resources::AccessPolicy admin;
  admin.app_id = "admin";
  admin.default_action = "allow";
  acl.policies.push_back(admin);
  std::optional<lf::resources::AccessControl> cfg = acl;

  EXPECT_TRUE(access_allowed(cfg, "learnflow-frontend", "", "POST", "generate-lesson"));
  EXPECT_FALSE(access_allowed(cfg, "learnflow-frontend", "", "GET", "generate-lesson"));  // verb not listed
  EXPECT_TRUE(access_allowed(cfg, "learnflow-frontend", "", "GET", "lessons?user_id=1"));  // query ignored
  EXPECT_FALSE(access_allowed(cfg, "learnflow-frontend", "", "GET", "curriculum"));       // policy default
  EXPECT_TRUE(access_allowed(cfg, "admin", "", "DELETE", "anything"));
  EXPECT_FALSE(access_allowed(cfg, "unknown-app", "", "GET", "lessons"));  // global default
}
