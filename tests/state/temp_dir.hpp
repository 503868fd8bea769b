#pragma once
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace lf::state::testing {

// A directory under /tmp removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/lf-state-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace lf::state::testing
