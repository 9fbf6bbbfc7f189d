// Tables and `key: value` lines for the admin CLI (see render.hpp).
#include "app/cli/render.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>

namespace modelmux::app::cli {
namespace {

namespace json = boost::json;

// Fields whose value must never reach a terminal (the credentials API does not send them back; this is in
// case a future answer does). A created or rotated key's own `key` is the one secret shown, on purpose.
constexpr std::string_view kSecretFields[] = {
    "value", "secret", "hash", "aws_secret_access_key", "aws_session_token", "api_key"};

bool secret(std::string_view field) {
  return std::ranges::find(kSecretFields, field) != std::end(kSecretFields);
}

bool time_field(std::string_view f) {
  return f.ends_with("_at") || f == "ts" || f == "from" || f == "to";
}

// Unix seconds, or milliseconds for the ledger's and the audit log's `ts`, as UTC.
std::string utc(std::int64_t t, std::string_view field) {
  if (field == "ts") t /= 1000;
  if (t <= 0) return "-";
  std::chrono::sys_seconds s{std::chrono::seconds(t)};
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", s);
}

std::string number(double d) {
  auto s = fmt::format("{:.6f}", d);
  while (s.ends_with('0')) s.pop_back();
  if (s.ends_with('.')) s.pop_back();
  return s;
}

void flatten(const json::object& o, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& [k, v] : o) {
    std::string_view field(k);
    if (secret(field)) continue;
    std::string name = prefix + std::string(field);
    if (v.is_object() && !v.get_object().empty()) {
      if (field == "budget")
        out.emplace_back(name, budget_text(&v));
      else if (field == "limits")
        out.emplace_back(name, limits_text(&v));
      else
        flatten(v.get_object(), name + ".", out);
    } else {
      out.emplace_back(name, text(&v, field));
    }
  }
}

}  // namespace

const json::value* at(const json::value& v, std::string_view path) {
  const json::value* cur = &v;
  while (cur) {
    auto dot = path.find('.');
    auto* o = cur->if_object();
    cur = o ? o->if_contains(path.substr(0, dot)) : nullptr;
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return cur;
}

std::string money(double usd) {
  if (usd == 0) return "$0";
  return usd >= 0.01 ? fmt::format("${:.2f}", usd) : fmt::format("${:.6f}", usd);
}

std::string text(const json::value* v, std::string_view field) {
  if (!v || v->is_null()) return "-";
  if (v->is_string()) return v->get_string().empty() ? "-" : std::string(v->get_string());
  if (v->is_bool()) return v->get_bool() ? "yes" : "no";
  if (v->is_array()) {
    std::string out;
    for (const auto& e : v->get_array()) {
      if (!out.empty()) out += ',';
      out += text(&e);
    }
    return out.empty() ? "-" : out;
  }
  if (v->is_object()) return v->get_object().empty() ? "-" : "{...}";
  if (field.ends_with("_usd")) return money(v->to_number<double>());
  if (v->is_double()) return number(v->get_double());
  auto n = v->is_int64() ? v->get_int64() : static_cast<std::int64_t>(v->get_uint64());
  return time_field(field) ? utc(n, field) : fmt::format("{}", n);
}

std::string budget_text(const json::value* budget) {
  auto* b = budget ? budget->if_object() : nullptr;
  if (!b) return "-";
  auto* usd = b->if_contains("usd");
  std::string out = usd && usd->is_number() ? money(usd->to_number<double>()) : "?";
  out += '/';
  out += text(b->if_contains("period"));
  if (auto* soft = b->if_contains("soft_usd"); soft && soft->is_number())
    out += fmt::format(" (soft {})", money(soft->to_number<double>()));
  return out;
}

std::string limits_text(const json::value* limits) {
  auto* l = limits ? limits->if_object() : nullptr;
  std::string out;
  if (l)
    for (const char* name : {"rpm", "tpm", "parallel"})
      if (auto* v = l->if_contains(name); v && !v->is_null())
        out += fmt::format("{}{} {}", out.empty() ? "" : ", ", name, text(v));
  return out.empty() ? "-" : out;
}

Column field_column(std::string header, std::string path) {
  auto leaf = path.substr(path.rfind('.') + 1);
  return {std::move(header), [path, leaf](const json::value& row) { return text(at(row, path), leaf); }};
}

void print_table(const std::vector<Column>& columns, const json::value& answer) {
  std::vector<std::vector<std::string>> rows;
  rows.emplace_back();
  for (const auto& c : columns) rows.back().push_back(c.header);
  if (auto* data = at(answer, "data"); data && data->is_array())
    for (const auto& item : data->get_array()) {
      rows.emplace_back();
      for (const auto& c : columns) rows.back().push_back(c.cell(item));
    }
  std::vector<std::size_t> width(columns.size(), 0);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i)
      line += i + 1 == r.size() ? r[i] : fmt::format("{:<{}}  ", r[i], width[i]);
    std::cout << line << '\n';
  }
}

void print_record(const json::value& record) {
  std::vector<std::pair<std::string, std::string>> lines;
  if (auto* o = record.if_object()) flatten(*o, "", lines);
  std::size_t width = 0;
  for (const auto& [k, _] : lines) width = std::max(width, k.size());
  for (const auto& [k, v] : lines) std::cout << fmt::format("{:<{}}  {}\n", k + ":", width + 1, v);
}

}  // namespace modelmux::app::cli
