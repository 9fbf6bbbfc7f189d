// The pipeline's side of governance (governance/governor.hpp): what the auth, admit and settle stages and
// each attempt read from a request and do with it. The key a client presents, the worst case a request
// may cost, reservations per attempt (which may lower max_tokens to what a budget can still pay), refusals
// in words. (The spend ledger's row is spend_record.hpp's.)
#pragma once

#include <optional>

#include "pipeline/context.hpp"

namespace modelmux::pipeline {

// The key as the client's SDK sends it: Authorization: Bearer (OpenAI), x-api-key (Anthropic),
// x-goog-api-key (Google). Empty when there is none.
std::string_view presented_key(const http::HeaderList& headers);

// The most output tokens the request may produce on a target priced `price` (null: unknown): its
// max_tokens, else the model's maximum output, else auth.default_max_output_tokens. 0 for embeddings.
std::int64_t worst_output(const Context& ctx, const cost::ModelPrice* price);
// The worst case in USD of the request on a target priced `price`; 0 when the price is unknown.
double worst_cost(const Context& ctx, const cost::ModelPrice* price);

// Reserves the request's worst case on `target` against every budget that applies, and the target's
// quota. When the worst case does not fit but the input does (and the policy caps), `max_tokens` is set to
// what the budgets can pay. A refusal is budget_exceeded or rate_limit_exceeded; the caller moves on to the
// next target.
Result<governance::Hold> reserve_attempt(const Context& ctx, const providers::Target& target,
                                         const routing::TargetInfo& info,
                                         std::optional<std::int64_t>& max_tokens);

// A refused reservation as the client's error; `ticket` keeps its exact wait for the retry-after-ms header.
Error refusal_error(const governance::Ask& ask, const governance::Refusal& no,
                    const governance::Ticket& ticket);

}  // namespace modelmux::pipeline
