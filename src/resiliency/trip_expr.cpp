#include "resiliency/trip_expr.hpp"

#include <array>
#include <limits>

namespace lf::resiliency {
namespace {

constexpr std::array<std::string_view, 5> kVariables = {
    "requests", "totalSuccesses", "totalFailures", "consecutiveSuccesses", "consecutiveFailures"};
constexpr const char* kVariablesHint =
    "use integer literals and requests, totalSuccesses, totalFailures, consecutiveSuccesses, consecutiveFailures";

enum class Type { integer, boolean };

const char* type_name(Type t) { return t == Type::integer ? "an integer" : "a boolean"; }

enum class Tok { end, integer, name, lparen, rparen, op, bad };

struct Token {
  Tok kind = Tok::end;
  std::string_view text;
  int column = 1;
};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}
  Token next() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
    Token t;
    t.column = static_cast<int>(pos_) + 1;
    if (pos_ >= text_.size()) return t;
    std::size_t start = pos_;
    char c = text_[pos_];
    if (is_digit(c)) {
      while (pos_ < text_.size() && (is_digit(text_[pos_]) || is_alpha(text_[pos_]))) ++pos_;
      t.kind = Tok::integer;
    } else if (is_alpha(c)) {
      while (pos_ < text_.size() && (is_alpha(text_[pos_]) || is_digit(text_[pos_]))) ++pos_;
      t.kind = Tok::name;
    } else if (c == '(' || c == ')') {
      ++pos_;
      t.kind = c == '(' ? Tok::lparen : Tok::rparen;
    } else {
      static constexpr std::string_view two[] = {"==", "!=", "<=", ">=", "&&", "||"};
      t.kind = Tok::bad;
      for (auto op : two)
        if (text_.substr(pos_, 2) == op) {
          pos_ += 2;
          t.kind = Tok::op;
        }
      if (t.kind == Tok::bad) {
        ++pos_;
        if (std::string_view("<>!+-*/%").find(c) != std::string_view::npos) t.kind = Tok::op;
      }
    }
    t.text = text_.substr(start, pos_ - start);
    return t;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

using Op = TripExpression::Op;
using Program = std::vector<TripExpression::Instruction>;

// Recursive descent; recursion only for parentheses and unary operators, both bounded by
// kMaxNesting. Binary chains are loops, so long inputs cannot exhaust the stack.
class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) { advance(); }

  Expected<Type, TripError> parse_all(Program& out) {
    program_ = &out;
    auto type = parse_or();
    if (!type) return type;
    if (current_.kind == Tok::bad) return error_here("unsupported character " + describe(current_), kVariablesHint);
    if (current_.kind != Tok::end) return error_here("unexpected " + describe(current_), "expected an operator");
    return type;
  }

 private:
  using Result = Expected<Type, TripError>;

  void advance() { current_ = lexer_.next(); }
  bool at_op(std::string_view op) const { return current_.kind == Tok::op && current_.text == op; }
  void emit(Op op, std::int64_t operand = 0) { program_->push_back({op, operand}); }

  static std::string describe(const Token& t) {
    if (t.kind == Tok::end) return "end of expression";
    return "\"" + std::string(t.text) + "\"";
  }
  Unexpected<TripError> error_at(int column, std::string message, std::string hint = {}) const {
    return unexpected(TripError{column, std::move(message) + " at column " + std::to_string(column), std::move(hint)});
  }
  Unexpected<TripError> error_here(std::string message, std::string hint = {}) const {
    return error_at(current_.column, std::move(message), std::move(hint));
  }
  Unexpected<TripError> type_error(const Token& op, Type got, Type want) const {
    return error_at(op.column, "operator \"" + std::string(op.text) + "\" needs " + type_name(want) + " operand, got " +
                                   type_name(got));
  }

  Result parse_or() {
    auto left = parse_and();
    if (!left) return left;
    while (at_op("||")) {
      Token op = current_;
      advance();
      auto right = parse_and();
      if (!right) return right;
      if (*left != Type::boolean) return type_error(op, *left, Type::boolean);
      if (*right != Type::boolean) return type_error(op, *right, Type::boolean);
      emit(Op::logical_or);
    }
    return left;
  }

  Result parse_and() {
    auto left = parse_relation();
    if (!left) return left;
    while (at_op("&&")) {
      Token op = current_;
      advance();
      auto right = parse_relation();
      if (!right) return right;
      if (*left != Type::boolean) return type_error(op, *left, Type::boolean);
      if (*right != Type::boolean) return type_error(op, *right, Type::boolean);
      emit(Op::logical_and);
    }
    return left;
  }

  Result parse_relation() {
    static constexpr std::pair<std::string_view, Op> ops[] = {{"==", Op::eq}, {"!=", Op::ne}, {"<", Op::lt},
                                                              {"<=", Op::le}, {">", Op::gt},  {">=", Op::ge}};
    auto left = parse_binary_level(0);
    if (!left) return left;
    for (;;) {
      const std::pair<std::string_view, Op>* found = nullptr;
      for (const auto& candidate : ops)
        if (at_op(candidate.first)) found = &candidate;
      if (found == nullptr) return left;
      Token op = current_;
      advance();
      auto right = parse_binary_level(0);
      if (!right) return right;
      bool equality = found->second == Op::eq || found->second == Op::ne;
      if (equality && *left != *right)
        return error_at(op.column, "cannot compare " + std::string(type_name(*left)) + " with " + type_name(*right) +
                                       " using \"" + std::string(op.text) + "\"");
      if (!equality && *left != Type::integer) return type_error(op, *left, Type::integer);
      if (!equality && *right != Type::integer) return type_error(op, *right, Type::integer);
      emit(found->second);
      left = Type::boolean;
    }
  }

  // Level 0: + -, level 1: * / %.
  Result parse_binary_level(int level) {
    static constexpr std::pair<std::string_view, Op> additive[] = {{"+", Op::add}, {"-", Op::sub}};
    static constexpr std::pair<std::string_view, Op> multiplicative[] = {{"*", Op::mul}, {"/", Op::div}, {"%", Op::mod}};
    auto operand = [&]() { return level == 0 ? parse_binary_level(1) : parse_unary(); };
    auto left = operand();
    if (!left) return left;
    for (;;) {
      Op matched{};
      bool found = false;
      if (level == 0) {
        for (const auto& c : additive)
          if (at_op(c.first)) matched = c.second, found = true;
      } else {
        for (const auto& c : multiplicative)
          if (at_op(c.first)) matched = c.second, found = true;
      }
      if (!found) return left;
      Token op = current_;
      advance();
      auto right = operand();
      if (!right) return right;
      if (*left != Type::integer) return type_error(op, *left, Type::integer);
      if (*right != Type::integer) return type_error(op, *right, Type::integer);
      emit(matched);
    }
  }

  // Guards every recursive step (unary operators and parentheses) against deep nesting.
  struct Nesting {
    explicit Nesting(int& n) : n_(n) { ++n_; }
    ~Nesting() { --n_; }
    int& n_;
  };
  bool too_deep() const { return nesting_ > TripExpression::kMaxNesting; }
  Unexpected<TripError> too_deep_error(int column) const {
    return error_at(column, "expression nested too deeply (more than " + std::to_string(TripExpression::kMaxNesting) +
                                " levels)");
  }

  Result parse_unary() {
    if (at_op("!") || at_op("-")) {
      Token op = current_;
      Nesting guard(nesting_);
      if (too_deep()) return too_deep_error(op.column);
      advance();
      auto operand = parse_unary();
      if (!operand) return operand;
      Type want = op.text == "!" ? Type::boolean : Type::integer;
      if (*operand != want) return type_error(op, *operand, want);
      emit(op.text == "!" ? Op::logical_not : Op::negate);
      return operand;
    }
    return parse_primary();
  }

  Result parse_primary() {
    Token t = current_;
    switch (t.kind) {
      case Tok::integer: {
        std::int64_t value = 0;
        for (char c : t.text) {
          if (!is_digit(c))
            return error_here("invalid integer literal \"" + std::string(t.text) + "\"", "write a decimal integer such as 5");
          if (value > (std::numeric_limits<std::int64_t>::max() - (c - '0')) / 10)
            return error_here("integer literal \"" + std::string(t.text) + "\" is out of range");
          value = value * 10 + (c - '0');
        }
        advance();
        emit(Op::push_int, value);
        return Type::integer;
      }
      case Tok::name: {
        advance();
        if (t.text == "true" || t.text == "false") {
          emit(Op::push_bool, t.text == "true" ? 1 : 0);
          return Type::boolean;
        }
        for (std::size_t i = 0; i < kVariables.size(); ++i)
          if (kVariables[i] == t.text) {
            emit(Op::push_var, static_cast<std::int64_t>(i));
            return Type::integer;
          }
        return error_at(t.column, "unknown name \"" + std::string(t.text) + "\"", kVariablesHint);
      }
      case Tok::lparen: {
        Nesting guard(nesting_);
        if (too_deep()) return too_deep_error(t.column);
        advance();
        auto inner = parse_or();
        if (!inner) return inner;
        if (current_.kind != Tok::rparen)
          return error_here("expected \")\" to close \"(\" at column " + std::to_string(t.column) + ", found " +
                            describe(current_));
        advance();
        return inner;
      }
      case Tok::end:
        return error_here("unexpected end of expression", "complete the expression, e.g. consecutiveFailures > 5");
      case Tok::bad:
        return error_here("unsupported character " + describe(t), kVariablesHint);
      default:
        return error_here("unexpected " + describe(t), "expected a number, a count name or \"(\"");
    }
  }

  Lexer lexer_;
  Token current_;
  Program* program_ = nullptr;
  int nesting_ = 0;

};

struct Value {
  enum Kind : std::uint8_t { integer, boolean, error } kind = error;
  std::int64_t number = 0;
  bool truth = false;
};

Value make_int(std::int64_t v) { return {Value::integer, v, false}; }
Value make_bool(bool b) { return {Value::boolean, 0, b}; }
Value make_error() { return {}; }

Value arithmetic(Op op, std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  switch (op) {
    case Op::add: return __builtin_add_overflow(a, b, &out) ? make_error() : make_int(out);
    case Op::sub: return __builtin_sub_overflow(a, b, &out) ? make_error() : make_int(out);
    case Op::mul: return __builtin_mul_overflow(a, b, &out) ? make_error() : make_int(out);
    case Op::div:
    case Op::mod:
      if (b == 0 || (a == std::numeric_limits<std::int64_t>::min() && b == -1)) return make_error();
      return make_int(op == Op::div ? a / b : a % b);
    default: return make_error();
  }
}

}  // namespace

Expected<TripExpression, TripError> TripExpression::compile(std::string_view text) {
  if (text.size() > kMaxLength)
    return unexpected(TripError{1, "expression longer than " + std::to_string(kMaxLength) + " characters", {}});
  TripExpression expr;
  expr.text_ = std::string(text);
  Parser parser(expr.text_);
  auto type = parser.parse_all(expr.program_);
  if (!type) return unexpected(std::move(type).error());
  if (*type != Type::boolean)
    return unexpected(TripError{1, "the expression is an integer, not a condition",
                                "compare it, e.g. \"" + expr.text_ + " > 5\""});
  return expr;
}

std::optional<bool> TripExpression::evaluate(const TripCounts& counts) const {
  const std::uint32_t vars[] = {counts.requests, counts.total_successes, counts.total_failures,
                                counts.consecutive_successes, counts.consecutive_failures};
  std::vector<Value> stack;
  stack.reserve(16);
  auto pop = [&]() {
    Value v = stack.back();
    stack.pop_back();
    return v;
  };
  for (const auto& ins : program_) {
    switch (ins.op) {
      case Op::push_int: stack.push_back(make_int(ins.operand)); break;
      case Op::push_bool: stack.push_back(make_bool(ins.operand != 0)); break;
      case Op::push_var: stack.push_back(make_int(vars[ins.operand])); break;
      case Op::negate: {
        Value v = pop();
        stack.push_back(v.kind == Value::error ? v : arithmetic(Op::sub, 0, v.number));
        break;
      }
      case Op::logical_not: {
        Value v = pop();
        stack.push_back(v.kind == Value::error ? v : make_bool(!v.truth));
        break;
      }
      case Op::logical_and:
      case Op::logical_or: {
        // CEL's commutative logic: a decisive operand wins over an error on the other side.
        Value b = pop(), a = pop();
        bool decisive = ins.op == Op::logical_or;
        if ((a.kind == Value::boolean && a.truth == decisive) || (b.kind == Value::boolean && b.truth == decisive))
          stack.push_back(make_bool(decisive));
        else if (a.kind == Value::error || b.kind == Value::error)
          stack.push_back(make_error());
        else
          stack.push_back(make_bool(!decisive));
        break;
      }
      default: {
        Value b = pop(), a = pop();
        if (a.kind == Value::error || b.kind == Value::error) {
          stack.push_back(make_error());
          break;
        }
        switch (ins.op) {
          case Op::eq: stack.push_back(make_bool(a.kind == Value::boolean ? a.truth == b.truth : a.number == b.number)); break;
          case Op::ne: stack.push_back(make_bool(a.kind == Value::boolean ? a.truth != b.truth : a.number != b.number)); break;
          case Op::lt: stack.push_back(make_bool(a.number < b.number)); break;
          case Op::le: stack.push_back(make_bool(a.number <= b.number)); break;
          case Op::gt: stack.push_back(make_bool(a.number > b.number)); break;
          case Op::ge: stack.push_back(make_bool(a.number >= b.number)); break;
          default: stack.push_back(arithmetic(ins.op, a.number, b.number)); break;
        }
      }
    }
  }
  if (stack.size() != 1 || stack.back().kind != Value::boolean) return std::nullopt;
  return stack.back().truth;
}

}  // namespace lf::resiliency
