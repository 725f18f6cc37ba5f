import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parsePlan } from "../core/plan/parse.js";
import { Masker } from "../core/render/mask.js";
import { renderComment } from "../core/render/preview.js";
import type { Templates } from "../templates.js";
import { backportCommand } from "./backport.js";
import { codifyCommand } from "./codify.js";
import { driftCommand } from "./drift.js";
import { parityCommand } from "./parity.js";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));

/**
 * `driftback demo`: the whole loop on the bundled example, offline, with no GitHub App or cloud:
 * the comment a pull request's plan gets (plan.json), what a scheduled scan of main classifies
 * (scan-plan.json), what the codify engine writes, and the codify and revert pull requests the
 * backport would open, through the same dry-run path as `driftback backport --dry-run`, and how staging
 * and prod, meant to be alike, differ (`driftback parity`).
 */
export async function demoCommand(templates: Templates): Promise<string> {
  // 1. Plan preview of a pull request.
  const model = parsePlan(await readFile(path.join(EXAMPLES, "plan.json"), "utf8"));
  const comment = renderComment(
    { results: [{ kind: "planned", name: "prod", dir: "infra/prod", terraformWorkspace: "default", tool: `terraform ${model.terraformVersion}`, model }] },
    { masker: new Masker(), templates },
  );
  // 2. A drift scan of main: real drift, noise.
  const scanPlan = path.join(EXAMPLES, "scan-plan.json");
  const drift = await driftCommand({ planJson: scanPlan, workspace: "prod", format: "markdown", templates });
  // 3. The codify engine on every real drift, whatever the policy.
  const codify = await codifyCommand({ cwd: EXAMPLES, dir: "workspace", planJson: "scan-plan.json", varFiles: [], write: false, templates });
  // 4. Policy, grouping, bodies, drift records: the pull requests a backport would open.
  const backport = await backportCommand({ dir: EXAMPLES, planJson: scanPlan, workspace: "prod", dryRun: true, verify: false, format: "markdown", templates });
  // 5. Environment parity: staging and prod, meant to be alike, compared on their code and versions.
  const parity = await parityCommand({ dir: EXAMPLES, planJson: [], format: "markdown", detailedExitcode: false, templates });
  return templates.demo({ comment, drift, codify: codify.text.trimEnd(), backport: backport.text, parity: parity.text });
}
