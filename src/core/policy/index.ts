/** Policy: which backport action each drift gets (codify, revert or ignore) and why. Pure. */
export { compileRules, decideAction, type BackportAction, type CompiledRule, type Decision, type PolicyContext, type RuleFacts, type SwitchAction } from "./decide.js";
export { POLICY_ATTRIBUTES, policyConcernOf, type PolicyConcern } from "./concerns.js";
export { globMatcher } from "./glob.js";
