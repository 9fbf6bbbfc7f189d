// The settle stage (governance on only), on every exit: the answering attempt's budget reservation
// becomes the request's actual cost and its token reservation the actual count; soft limits crossed are
// logged as alerts; and the request's row goes into the spend ledger, committed before the respond stage
// sends the answer's last byte, so a response the client saw complete is never missing from the ledger.
#include <boost/json/object.hpp>

#include "pipeline/spend_record.hpp"
#include "pipeline/stages/stages.hpp"

namespace modelmux::pipeline::stages {

boost::asio::awaitable<void> settle(Context& ctx) {
  double usd = ctx.cost_usd.value_or(0);
  std::int64_t tokens = ctx.usage ? ctx.usage->input_tokens + ctx.usage->output_tokens : 0;
  // The answering attempt's budgets, read where its hold keeps them (it keeps them once settled too).
  static const governance::Charges kNone;
  const governance::Charges* budgets = &kNone;
  std::vector<governance::Alert> alerts;
  const governance::Millis now = governance::now_ms();
  if (ctx.answer && ctx.answer->hold) {
    budgets = &ctx.answer->hold.budgets();
    alerts = settle_both(ctx.answer->hold, usd, tokens, ctx.gov.admission, 0, tokens, now);
  } else {
    ctx.gov.admission.settle(0, tokens, now);
  }
  for (const auto& a : alerts)
    observability::write_event("budget_alert", {{"request_id", ctx.request_id},
                                                {"counter", a.counter},
                                                {"spent_usd", a.spent},
                                                {"soft_usd", a.soft},
                                                {"limit_usd", a.limit}});
  co_await record_spend(ctx, *budgets);
}

}  // namespace modelmux::pipeline::stages
