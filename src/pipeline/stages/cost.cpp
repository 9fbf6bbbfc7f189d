// The cost stage: what the answer cost in USD, from its usage and the answering target's price table entry
// (cache reads and writes at their own prices). A model the table does not know has no cost, rather than a
// made-up one.
#include "pipeline/stages/stages.hpp"

namespace modelmux::pipeline::stages {

void cost(Context& ctx) {
  if (!ctx.usage || !ctx.answer) return;
  if (const auto* price = ctx.answer->info->price) ctx.cost_usd = price->cost(*ctx.usage);
}

}  // namespace modelmux::pipeline::stages
