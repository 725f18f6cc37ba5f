import type { Config, RawConfig } from "../../../src/config/schema.js";
import { validateConfig } from "../../../src/config/validate.js";
import { compileRules, decideAction, type SwitchAction } from "../../../src/core/policy/index.js";
import { planBackports, type BackportPlan, type DecidedDrift } from "../../../src/core/backport/index.js";
import type { DriftItem } from "../../../src/core/drift/items.js";
import { Masker } from "../../../src/core/render/mask.js";
import { bundledTemplates } from "../../../src/templates.js";

/** A validated config with one `prod` workspace (tier prod) and the given backport/apply sections. */
export function configWith(sections: Pick<RawConfig, "backport" | "apply"> = {}): Config {
  const result = validateConfig({ workspaces: [{ name: "prod", dir: "infra/prod", tier: "prod" }, { name: "staging", dir: "infra/staging", tier: "staging" }], ...sections });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

/** Policy decisions for items, as the use case makes them. */
export function decideAll(items: readonly DriftItem[], config: Config, masker = new Masker(), overrides: ReadonlyMap<string, SwitchAction> = new Map(), fingerprintOf?: (item: DriftItem) => string): DecidedDrift[] {
  const rules = compileRules(config.backport.rules);
  return items.map((item) => {
    const tier = config.workspaces.find((w) => w.name === item.workspace)?.tier ?? "dev";
    const override = fingerprintOf ? overrides.get(fingerprintOf(item)) : undefined;
    return { item, decision: decideAction(item, { rules, tier, masker, ...(override ? { override } : {}) }) };
  });
}

/** Items -> decisions -> plans, with bundled templates. */
export function plansFor(items: readonly DriftItem[], config: Config = configWith(), options: { masker?: Masker; firstSeen?: (fingerprint: string) => string | undefined } = {}): BackportPlan[] {
  const masker = options.masker ?? new Masker();
  return planBackports(decideAll(items, config, masker), { config, masker, templates: bundledTemplates(), ...(options.firstSeen ? { firstSeen: options.firstSeen } : {}) });
}
