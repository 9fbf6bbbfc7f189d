// Everything a request reads that comes from configuration: built once, shared immutably by all workers.
#pragma once

#include <chrono>
#include <cstdint>

#include "config/config.hpp"
#include "routing/catalog.hpp"

namespace modelmux::pipeline {

struct Runtime {
  explicit Runtime(config::Config c) : config(std::move(c)), catalog(config) {}
  config::Config config;
  routing::Catalog catalog;
  std::int64_t started_at = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
};

}  // namespace modelmux::pipeline
