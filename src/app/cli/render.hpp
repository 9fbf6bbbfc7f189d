// How the admin CLI shows the admin API's JSON to a person: aligned tables for lists, `key: value` lines
// for one record, money, times, budgets and limits in short words. Secrets are never printed, except the
// one-time `key` of a created or rotated key.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace modelmux::app::cli {

// A member by dotted path ("spend.spent_usd"), or nullptr.
const boost::json::value* at(const boost::json::value& v, std::string_view path);

// One value in words: "-" for null or absent, dollars for *_usd fields, UTC for times (fields ending in
// _at, ts, from, to), lists joined with commas.
std::string text(const boost::json::value* v, std::string_view field = {});
std::string money(double usd);
// "$10.00/month (soft $8.00)" or "-".
std::string budget_text(const boost::json::value* budget);
// "rpm 60, tpm 100000, parallel 4" or "-".
std::string limits_text(const boost::json::value* limits);

struct Column {
  std::string header;
  std::function<std::string(const boost::json::value&)> cell;
};
// A column showing the member at `path` with text().
Column field_column(std::string header, std::string path);

// Rows of an answer's `data` (an array of objects) under their headers, columns padded to align.
void print_table(const std::vector<Column>& columns, const boost::json::value& answer);
// One record as `name: value` lines, nested objects flattened with dots (budget.usd); secrets left out.
void print_record(const boost::json::value& record);

}  // namespace modelmux::app::cli
