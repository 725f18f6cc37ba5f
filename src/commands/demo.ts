import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadHclParser } from "../adapters/hcl/parser.js";
import { loadRepoView } from "../adapters/hcl/load-repo-view.js";
import { loadWorkspace } from "../adapters/hcl/load-workspace.js";
import { hclToolchain } from "../adapters/hcl/toolchain.js";
import { classifyDrift } from "../core/drift/items.js";
import { isSecretItem } from "../core/drift/report.js";
import { fingerprintOf } from "../core/drift/track.js";
import { plannedVariablesIn } from "../core/hcl/planned-inputs.js";
import { parsePlan } from "../core/plan/parse.js";
import { Masker } from "../core/render/mask.js";
import { renderComment } from "../core/render/preview.js";
import type { Templates } from "../templates.js";
import { codifyDrift } from "../usecases/codify-drift.js";
import type { BackportReport } from "../usecases/backport-drift.js";
import { backportCommand } from "./backport.js";
import { codifyReportText } from "./codify.js";
import { driftCommand } from "./drift.js";
import { parityCommand } from "./parity.js";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
/** The bundled example's workspace (examples/.github/driftback.yml): its name and dir. */
const WORKSPACE = { name: "prod", dir: "workspace" };

/**
 * `driftback demo`: the whole loop on the bundled example, offline, with no GitHub App or cloud:
 * the comment a pull request's plan gets (plan.json), what a scheduled scan of main classifies
 * (scan-plan.json), what the codify engine writes for the drift the backport policy keeps, and the
 * codify and revert pull requests the backport would open, through the same dry-run path as
 * `driftback backport --dry-run`, and how staging and prod, meant to be alike, differ (`driftback parity`).
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
  const drift = await driftCommand({ planJson: scanPlan, workspace: WORKSPACE.name, format: "markdown", templates });
  // 4. Policy, grouping, bodies, drift records: the pull requests a backport would open (run first: section 3 follows its decisions).
  const backport = await backportCommand({ dir: EXAMPLES, planJson: scanPlan, workspace: WORKSPACE.name, dryRun: true, verify: false, format: "markdown", templates });
  // 3. The codify engine on the drift the policy codifies: drift it reverts (the opened security group) never becomes code.
  const codify = await codifyWhatPolicyCodifies(templates, scanPlan, backport.report);
  // 5. Environment parity: staging and prod, meant to be alike, compared on their code and versions.
  const parity = await parityCommand({ dir: EXAMPLES, planJson: [], format: "markdown", detailedExitcode: false, templates });
  return templates.demo({ comment, drift, codify: codify.trimEnd(), backport: backport.text, parity: parity.text });
}

/**
 * What `driftback codify --dir workspace --plan-json scan-plan.json` prints, run on only the drift the backport
 * report codifies (a codify pull request, open or merged), so the demo never writes a value the policy reverts.
 */
async function codifyWhatPolicyCodifies(templates: Templates, scanPlan: string, report: BackportReport): Promise<string> {
  const planJson = await readFile(scanPlan, "utf8");
  const masker = new Masker();
  const codified = (fingerprint: string) => {
    const status = report.drift[fingerprint];
    return (status?.status === "open" || status?.status === "merged") && status.action === "codify";
  };
  const targets = classifyDrift(parsePlan(planJson), WORKSPACE.name)
    .filter((item) => item.class === "actionable" && codified(fingerprintOf(item)))
    .map((item) => ({ address: item.address, path: item.path, live: item.after, liveResource: item.liveResource, recordedResource: item.recordedResource, sensitive: isSecretItem(item, masker), managed: item.managed }));
  const parser = await loadHclParser();
  const { workspace: ws } = await loadWorkspace(parser, EXAMPLES, WORKSPACE.dir, [], { boundary: EXAMPLES });
  ws.scope = { view: await loadRepoView(parser, EXAMPLES, [{ name: WORKSPACE.dir, dir: WORKSPACE.dir, varFiles: [] }]), workspace: WORKSPACE.dir, rootOnly: "the demo plans nothing, so it edits only the root's own files, as `driftback codify` does" };
  const planned = plannedVariablesIn(planJson);
  if (planned) ws.planned = planned;
  return codifyReportText(templates, await codifyDrift({ toolchain: hclToolchain }, ws, targets), false);
}
