// The route stage: the group the request's model names, and the plan of its targets (routing/router.hpp);
// what the learned router decided for an auto group is kept for feedback (routing/feedback.hpp).
#include <fmt/format.h>

#include "pipeline/stages/stages.hpp"

namespace modelmux::pipeline::stages {

Result<routing::Plan> plan_route(const Runtime& rt, const ChatRequest& req, const routing::Preferences& prefs,
                                 bool explain) {
  const auto* group = rt.catalog.find(req.model);
  if (!group)
    return fail(ErrorCode::model_not_found,
                fmt::format("The model `{}` does not exist or is not configured in modelmux", req.model),
                "model");
  return rt.router.plan(*group, req, prefs, explain);
}

void route(Context& ctx) {
  auto plan = plan_route(ctx.rt, ctx.chat, ctx.prefs);
  if (!plan) return ctx.fail(std::move(plan.error()));
  ctx.plan.emplace(std::move(*plan));
  // An auto-routed request is remembered by its id, so that feedback on its answer can be weighed against
  // what the router predicted for it.
  if (const auto& d = ctx.plan->auto_decision; d && !ctx.request_id.empty()) {
    const auto& pick = d->chosen_member();
    ctx.rt.decisions->put(ctx.request_id,
                          {static_cast<std::uint32_t>(pick.group->index), static_cast<float>(pick.p_model),
                           static_cast<float>(pick.p), ctx.rt.router.clock().now()});
  }
}

}  // namespace modelmux::pipeline::stages
