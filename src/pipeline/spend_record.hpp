// The request's row in the spend ledger (store/store.hpp): filled from the request, made durable before the
// answer's last byte goes out (in the store's journal, written once for the rows of an event-loop turn, or
// else committed), so a response the client saw complete is never missing from the ledger.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "pipeline/context.hpp"

namespace modelmux::pipeline {

// Completes once the request's row is durable. `budgets` are the answering attempt's (Hold::budgets), or
// none.
boost::asio::awaitable<void> record_spend(Context& ctx, const governance::Charges& budgets);

}  // namespace modelmux::pipeline
