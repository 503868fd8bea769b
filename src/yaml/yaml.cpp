#include "yaml/yaml.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lf::yaml {
namespace fs = std::filesystem;

namespace {
SourceLocation from_mark(const std::string& file, const YAML::Mark& mark, int line_offset = 0) {
  if (mark.is_null()) return {file, 0, 0};
  return {file, mark.line + 1 + line_offset, mark.column + 1};
}

struct DocumentText {
  std::string text;
  int line_offset = 0;
};

bool is_document_marker(std::string_view line, std::string_view marker) {
  return line.substr(0, 3) == marker && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

// Splits a stream at its `---` / `...` markers. yaml-cpp 0.7's LoadAll can allocate without
// bound on some malformed streams, while Load on each document is safe; the offsets keep every
// mark pointing at the right line of the file.
std::vector<DocumentText> split_documents(std::string_view text) {
  std::vector<DocumentText> docs(1);
  int line_no = 0;
  bool ended = false;  // after `...`, content belongs to the next document
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    if (is_document_marker(line, "---") || (ended && !line.empty() && line[0] != '#')) {
      if (!docs.back().text.empty() || docs.size() > 1 || ended) docs.push_back({{}, line_no});
      else docs.back().line_offset = line_no;
      ended = false;
      if (is_document_marker(line, "---")) {
        std::string rest(line);
        rest.replace(0, 3, "   ");  // keep columns of anything after the marker
        docs.back().text += rest + "\n";
        ++line_no;
        continue;
      }
    } else if (is_document_marker(line, "...")) {
      ended = true;
      docs.back().text += "\n";
      ++line_no;
      continue;
    }
    docs.back().text += std::string(line) + "\n";
    ++line_no;
  }
  return docs;
}
}  // namespace

SourceLocation Document::where(const YAML::Node& node) const {
  if (!node.IsDefined()) return {file, 0, 0};
  return from_mark(file, node.Mark(), line_offset);
}

SourceLocation Document::key_where(const YAML::Node& map, std::string_view key) const {
  if (map.IsMap()) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      auto k = scalar(it->first);
      if (k && *k == key) return from_mark(file, it->first.Mark(), line_offset);
    }
  }
  return where(map);
}

std::vector<Document> load_string(std::string_view text, const std::string& file_name, Diagnostics& diags) {
  std::vector<Document> docs;
  int index = 0;
  for (const auto& part : split_documents(text)) {
    int this_index = index++;
    try {
      YAML::Node n = YAML::Load(part.text);
      if (!n.IsDefined() || n.IsNull()) continue;  // an empty document (e.g. a trailing '---') carries nothing
      docs.push_back(Document{file_name, this_index, n, part.line_offset});
    } catch (const YAML::Exception& e) {
      diags.error(from_mark(file_name, e.mark, part.line_offset), "YAML syntax error: " + e.msg);
      return {};
    }
  }
  return docs;
}

std::vector<Document> load_file(const std::string& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error({path, 0, 0}, "cannot read file");
    return {};
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return load_string(buf.str(), path, diags);
}

std::optional<std::string> scalar(const YAML::Node& node) {
  if (!node.IsDefined() || !node.IsScalar()) return std::nullopt;
  return node.Scalar();
}

YAML::Node child(const YAML::Node& map, std::string_view key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = map.begin(); it != map.end(); ++it) {
    auto k = scalar(it->first);
    if (k && *k == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::optional<std::string> scalar_at(const YAML::Node& map, std::string_view key) { return scalar(child(map, key)); }

std::vector<std::string> keys(const YAML::Node& map) {
  std::vector<std::string> out;
  if (!map.IsDefined() || !map.IsMap()) return out;
  for (auto it = map.begin(); it != map.end(); ++it)
    if (auto k = scalar(it->first)) out.push_back(*k);
  return out;
}

std::string kind_name(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (node.IsMap()) return "mapping";
  if (node.IsSequence()) return "sequence";
  return "scalar";
}

static bool is_yaml_name(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

std::vector<std::string> collect_yaml_files(const std::vector<std::string>& paths, Diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file(ec) && is_yaml_name(it->path())) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      out.push_back(p);
    } else {
      diags.error({p, 0, 0}, "no such file or directory");
    }
  }
  return out;
}

}  // namespace lf::yaml
