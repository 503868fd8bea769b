#pragma once
// Test helpers: load YAML text as a located document and query the resulting diagnostics.
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "core/diagnostics.hpp"
#include "yaml/yaml.hpp"

namespace lf::testing {

inline yaml::Document load_doc(std::string_view text, Diagnostics& diags, const std::string& file = "t.yaml") {
  auto docs = yaml::load_string(text, file, diags);
  EXPECT_EQ(docs.size(), 1u) << "expected exactly one document";
  return docs.empty() ? yaml::Document{} : docs.front();
}

inline std::string dump(const Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.all()) out += d.str() + "\n";
  return out;
}

// The first diagnostic whose message or hint contains `needle`, or nullptr.
inline const Diagnostic* find_diag(const Diagnostics& diags, std::string_view needle) {
  for (const auto& d : diags.all())
    if (d.message.find(needle) != std::string::npos || d.hint.find(needle) != std::string::npos) return &d;
  return nullptr;
}

}  // namespace lf::testing

// Asserts one diagnostic mentioning NEEDLE with the given severity at LINE.
#define EXPECT_DIAG(DIAGS, NEEDLE, SEVERITY, LINE)                                              \
  do {                                                                                          \
    const auto* found_ = ::lf::testing::find_diag(DIAGS, NEEDLE);                               \
    ASSERT_NE(found_, nullptr) << "no diagnostic mentions \"" << NEEDLE << "\" in:\n"          \
                               << ::lf::testing::dump(DIAGS);                                   \
    EXPECT_EQ(found_->severity, SEVERITY) << found_->str();                                     \
    EXPECT_EQ(found_->where.line, LINE) << found_->str();                                       \
  } while (0)
