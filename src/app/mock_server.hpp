// `modelmux mock-server`: a standalone fake upstream speaking OpenAI's wire format, with knobs for latency,
// stream pacing, reply size and injected failures. Tests and benchmarks point targets at it.
#pragma once

#include <string>

#include "providers/mock/generator.hpp"

namespace modelmux::app {

struct MockServerOptions {
  std::string listen = "127.0.0.1:0";
  int threads = 1;
  std::string api_key;  // when set, requests must carry "Authorization: Bearer <key>"
  int latency_ms = 0;
  int jitter_ms = 0;
  int chunk_interval_ms = 0;
  mock::Shape shape;
  int fail_status = 0;
  double fail_rate = 0;
  int retry_after = -1;
  double reset_rate = 0;
  double stall_rate = 0;
  int cut_after_chunks = -1;     // >= 0: a stream is cut (TCP reset) after this many events
  double malformed_rate = 0;     // a 200 whose body (or first stream event) is not JSON
  double stream_error_rate = 0;  // a 200 stream whose first event is an error
  std::string fail_code;         // the error body's code (e.g. context_length_exceeded, content_filter)
  int fail_first = 0;            // the first N requests fail with fail_status (then fail_rate applies)
  bool quiet = true;
};

int run_mock_server(const MockServerOptions& opts);

}  // namespace modelmux::app
