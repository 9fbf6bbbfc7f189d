// Typed values out of a YAML tree, each error naming the file, line and dotted key ("cfg.yaml:7:
// models[0].targets[1].weight: \"x\" is not an integer"). Strings are env-interpolated as they are read.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace modelmux::config {

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  Origin at(const YAML::Node& n, const std::string& key) const {
    return Origin{file_, n.Mark().line >= 0 ? n.Mark().line + 1 : 0, key};
  }
  const std::string& file() const { return file_; }

  void require_map(const YAML::Node& n, const std::string& key) const;
  // Every key of the mapping `n` must be one of `allowed`.
  void only_keys(const YAML::Node& n, const std::string& key,
                 std::initializer_list<const char*> allowed) const;

  std::string str(const YAML::Node& n, const std::string& key) const;
  // A string that goes into HTTP headers or signatures: no line breaks.
  std::string header_safe(const YAML::Node& n, const std::string& key) const;
  std::int64_t integer(const YAML::Node& n, const std::string& key, std::int64_t min, std::int64_t max) const;
  bool boolean(const YAML::Node& n, const std::string& key) const;
  double number(const YAML::Node& n, const std::string& key, double min, double max) const;
  std::vector<std::string> strings(const YAML::Node& n, const std::string& key) const;
  routing::Strategy strategy(const YAML::Node& n, const std::string& key) const;
  ms millis(const YAML::Node& n, const std::string& key) const;

 private:
  std::string file_;
};

}  // namespace modelmux::config
