#include "sidecar/route_match.hpp"

#include <cctype>
#include <optional>
#include <variant>
#include <vector>

namespace lf::sidecar {

using Json = nlohmann::ordered_json;

struct RouteExprNode {
  enum class Kind { literal, path, has, unary_not, binary } kind;
  Json literal;
  std::vector<std::string> path;  // after `event`
  std::string op;
  std::shared_ptr<const RouteExprNode> lhs, rhs;
};

namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Expected<std::shared_ptr<const RouteExprNode>, std::string> parse() {
    auto node = parse_or(0);
    if (!error_.empty()) return unexpected(error_);
    skip_ws();
    if (pos_ != s_.size()) return unexpected(at("unexpected '" + std::string(1, s_[pos_]) + "'"));
    return node;
  }

 private:
  using NodePtr = std::shared_ptr<const RouteExprNode>;

  std::string at(const std::string& msg) const { return "column " + std::to_string(pos_ + 1) + ": " + msg; }
  void fail(const std::string& msg) {
    if (error_.empty()) error_ = at(msg);
  }
  void skip_ws() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(std::string_view tok) {
    skip_ws();
    if (s_.substr(pos_, tok.size()) == tok) {
      pos_ += tok.size();
      return true;
    }
    return false;
  }
  static NodePtr binary(std::string op, NodePtr l, NodePtr r) {
    auto n = std::make_shared<RouteExprNode>();
    n->kind = RouteExprNode::Kind::binary;
    n->op = std::move(op);
    n->lhs = std::move(l);
    n->rhs = std::move(r);
    return n;
  }

  NodePtr parse_or(int depth) {
    auto l = parse_and(depth);
    while (error_.empty() && eat("||")) l = binary("||", l, parse_and(depth));
    return l;
  }
  NodePtr parse_and(int depth) {
    auto l = parse_cmp(depth);
    while (error_.empty() && eat("&&")) l = binary("&&", l, parse_cmp(depth));
    return l;
  }
  NodePtr parse_cmp(int depth) {
    auto l = parse_unary(depth);
    for (const char* op : {"==", "!=", "<=", ">=", "<", ">"}) {
      if (error_.empty() && eat(op)) return binary(op, l, parse_unary(depth));
    }
    return l;
  }
  NodePtr parse_unary(int depth) {
    if (depth > kMaxDepth) {
      fail("expression nested too deeply");
      return nullptr;
    }
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '!' && (pos_ + 1 >= s_.size() || s_[pos_ + 1] != '=')) {
      ++pos_;
      auto n = std::make_shared<RouteExprNode>();
      n->kind = RouteExprNode::Kind::unary_not;
      n->lhs = parse_unary(depth + 1);
      return n;
    }
    return parse_primary(depth);
  }
  NodePtr parse_primary(int depth) {
    skip_ws();
    if (pos_ >= s_.size()) {
      fail("expression ends early");
      return nullptr;
    }
    char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      auto inner = parse_or(depth + 1);
      if (!eat(")")) fail("missing ')'");
      return inner;
    }
    if (c == '"' || c == '\'') return parse_string();
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') return parse_number();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t start = pos_;
      std::string ident = parse_ident();
      auto lit = std::make_shared<RouteExprNode>();
      lit->kind = RouteExprNode::Kind::literal;
      if (ident == "true" || ident == "false") {
        lit->literal = ident == "true";
        return lit;
      }
      if (ident == "null") return lit;
      if (ident == "has") {
        if (!eat("(")) {
          fail("has needs '('");
          return nullptr;
        }
        auto path = parse_path_after_event();
        if (!eat(")")) fail("missing ')' after has(...)");
        if (path) {
          auto n = std::make_shared<RouteExprNode>(*path);
          n->kind = RouteExprNode::Kind::has;
          return n;
        }
        return nullptr;
      }
      if (ident == "event") {
        pos_ = start;
        return parse_path_after_event();
      }
      pos_ = start;
      fail("unknown name '" + ident + "' (rules can only read the CloudEvent as event.<field>)");
      return nullptr;
    }
    fail("unexpected '" + std::string(1, c) + "'");
    return nullptr;
  }
  std::string parse_ident() {
    std::size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }
  std::shared_ptr<RouteExprNode> parse_path_after_event() {
    skip_ws();
    if (parse_ident() != "event") {
      fail("expected event.<field>");
      return nullptr;
    }
    auto n = std::make_shared<RouteExprNode>();
    n->kind = RouteExprNode::Kind::path;
    while (eat(".")) {
      std::string field = parse_ident();
      if (field.empty()) {
        fail("expected a field name after '.'");
        return nullptr;
      }
      n->path.push_back(field);
    }
    if (n->path.empty()) fail("expected event.<field>");
    return n;
  }
  NodePtr parse_string() {
    char quote = s_[pos_++];
    std::string value;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      value += s_[pos_++];
    }
    if (pos_ >= s_.size()) {
      fail("unterminated string");
      return nullptr;
    }
    ++pos_;
    auto n = std::make_shared<RouteExprNode>();
    n->kind = RouteExprNode::Kind::literal;
    n->literal = value;
    return n;
  }
  NodePtr parse_number() {
    std::size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    bool is_float = false;
    while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.')) {
      is_float = is_float || s_[pos_] == '.';
      ++pos_;
    }
    auto text = std::string(s_.substr(start, pos_ - start));
    auto n = std::make_shared<RouteExprNode>();
    n->kind = RouteExprNode::Kind::literal;
    auto parsed = Json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_number()) {
      fail("invalid number '" + text + "'");
      return nullptr;
    }
    n->literal = parsed;
    (void)is_float;
    return n;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

std::optional<Json> eval(const RouteExprNode& n, const Json& event);

const Json* lookup(const Json& event, const std::vector<std::string>& path) {
  const Json* cur = &event;
  for (const auto& f : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(f);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::optional<bool> truth(const RouteExprNode& n, const Json& event) {
  auto v = eval(n, event);
  if (!v || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

std::optional<Json> compare(const std::string& op, const Json& a, const Json& b) {
  if (op == "==") return Json(a == b);
  if (op == "!=") return Json(a != b);
  bool comparable = (a.is_number() && b.is_number()) || (a.is_string() && b.is_string());
  if (!comparable) return std::nullopt;
  if (op == "<") return Json(a < b);
  if (op == "<=") return Json(a <= b);
  if (op == ">") return Json(a > b);
  return Json(a >= b);
}

std::optional<Json> eval(const RouteExprNode& n, const Json& event) {
  switch (n.kind) {
    case RouteExprNode::Kind::literal: return n.literal;
    case RouteExprNode::Kind::path: {
      const Json* v = lookup(event, n.path);
      if (!v) return std::nullopt;
      return *v;
    }
    case RouteExprNode::Kind::has: return Json(lookup(event, n.path) != nullptr);
    case RouteExprNode::Kind::unary_not: {
      auto t = truth(*n.lhs, event);
      if (!t) return std::nullopt;
      return Json(!*t);
    }
    case RouteExprNode::Kind::binary: {
      if (n.op == "&&" || n.op == "||") {
        auto l = truth(*n.lhs, event);
        if (l && n.op == "&&" && !*l) return Json(false);
        if (l && n.op == "||" && *l) return Json(true);
        auto r = truth(*n.rhs, event);
        if (!l || !r) return std::nullopt;
        return Json(*r);
      }
      auto l = eval(*n.lhs, event);
      auto r = eval(*n.rhs, event);
      if (!l || !r) return std::nullopt;
      return compare(n.op, *l, *r);
    }
  }
  return std::nullopt;
}

}  // namespace

Expected<RouteMatcher, std::string> RouteMatcher::compile(std::string_view expression) {
  Parser p(expression);
  auto root = p.parse();
  if (!root) return unexpected(root.error());
  RouteMatcher m;
  m.text_ = std::string(expression);
  m.root_ = *root;
  return m;
}

bool RouteMatcher::matches(const Json& event) const {
  if (!root_) return false;
  auto t = truth(*root_, event);
  return t.value_or(false);
}

}  // namespace lf::sidecar
