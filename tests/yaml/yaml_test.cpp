#include "yaml/yaml.hpp"

#include <gtest/gtest.h>

TEST(Yaml, MultiDocumentWithLocations) {
  lf::Diagnostics diags;
  auto docs = lf::yaml::load_string("kind: A\nspec:\n  x: 1\n---\nkind: B\n", "f.yaml", diags);
  ASSERT_FALSE(diags.has_errors());
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1].index, 1);
  EXPECT_EQ(*lf::yaml::scalar_at(docs[1].root, "kind"), "B");
  auto spec = lf::yaml::child(docs[0].root, "spec");
  EXPECT_EQ(docs[0].where(lf::yaml::child(spec, "x")).str(), "f.yaml:3:6");
  EXPECT_EQ(docs[0].key_where(spec, "x").str(), "f.yaml:3:3");
  EXPECT_FALSE(lf::yaml::child(spec, "missing").IsDefined());
}

TEST(Yaml, SyntaxErrorCarriesLineAndColumn) {
  lf::Diagnostics diags;
  auto docs = lf::yaml::load_string("a: 1\nb: [1, 2\n", "bad.yaml", diags);
  EXPECT_TRUE(docs.empty());
  ASSERT_EQ(diags.all().size(), 1u);
  EXPECT_EQ(diags.all()[0].where.file, "bad.yaml");
  EXPECT_GT(diags.all()[0].where.line, 0);
  EXPECT_NE(diags.all()[0].message.find("YAML syntax error"), std::string::npos);
}
