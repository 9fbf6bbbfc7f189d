// Everything a request reads that comes from configuration: built once, shared immutably by all workers
// (the targets' live statistics and the auto groups' calibrations inside the catalog are atomics or locked
// inside, and so is the store of recent auto-routed requests).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "config/config.hpp"
#include "governance/governor.hpp"
#include "observability/redact.hpp"
#include "routing/catalog.hpp"
#include "routing/feedback.hpp"
#include "routing/router.hpp"
#include "store/responses.hpp"

namespace modelmux::pipeline {

// Every secret the configured targets hold (keys, AWS credentials, header values), for the Redactor.
std::vector<std::string> secrets_of(const routing::Catalog& catalog);

struct Runtime {
  explicit Runtime(config::Config c, const routing::Clock& clock = routing::steady_clock())
      : config(std::move(c)),
        catalog(config),
        router(config.routing, clock),
        redactor(config.errors.upstream_detail, secrets_of(catalog)) {}
  config::Config config;
  routing::Catalog catalog;
  routing::Router router;
  observability::Redactor redactor;
  // What the learned router predicted for recent requests, for POST /v1/feedback.
  std::unique_ptr<routing::DecisionStore> decisions = std::make_unique<routing::RecentDecisions>();
  // Responses-API responses kept for previous_response_id and GET /v1/responses/{id}, per key.
  std::unique_ptr<store::ResponseStore> responses = std::make_unique<store::MemoryResponseStore>();
  // Keys, budgets, limits and the ledger; null when the configuration asks for none (and in the library).
  // Owned by whoever runs the server, which closes it before its executors go.
  governance::Governor* governor = nullptr;
  std::int64_t started_at =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
};

}  // namespace modelmux::pipeline
