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

TEST(Yaml, LocationsInLaterDocumentsCountFromTheFileStart) {
  lf::Diagnostics diags;
  auto docs = lf::yaml::load_string("# header\na: 1\n---\nb: 2\n---   \n\nc:\n  d: [1]\n...\n", "m.yaml", diags);
  ASSERT_FALSE(diags.has_errors());
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[1].key_where(docs[1].root, "b").str(), "m.yaml:4:1");
  EXPECT_EQ(docs[2].where(lf::yaml::child(lf::yaml::child(docs[2].root, "c"), "d")).str(), "m.yaml:8:6");
  auto bad = lf::yaml::load_string("a: 1\n---\nb: [\n", "e.yaml", diags);
  EXPECT_TRUE(bad.empty());
  ASSERT_EQ(diags.all().size(), 1u);
  EXPECT_GE(diags.all()[0].where.line, 3);
}

TEST(Yaml, MalformedStreamsFailFastInsteadOfExhaustingMemory) {
  // yaml-cpp 0.7's LoadAll allocated without bound on this input.
  lf::Diagnostics diags;
  auto docs = lf::yaml::load_string(",a\n =b", "f.yaml", diags);
  // yaml-cpp reads it as an empty document: nothing to load, and no runaway allocation.
  EXPECT_TRUE(docs.empty());
}
