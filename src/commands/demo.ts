import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parsePlan } from "../core/plan/parse.js";
import { Masker } from "../core/render/mask.js";
import { renderComment } from "../core/render/preview.js";
import type { Templates } from "../templates.js";
import { codifyCommand } from "./codify.js";
import { driftCommand } from "./drift.js";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));

/**
 * `driftback demo`: the three jobs on the bundled example, no GitHub App or cloud needed: the
 * plan comment a pull request would get, the drift a scan would find, and the codify diff.
 */
export async function demoCommand(templates: Templates): Promise<string> {
  const planFile = path.join(EXAMPLES, "plan.json");
  const model = parsePlan(await readFile(planFile, "utf8"));
  const comment = renderComment(
    { results: [{ kind: "planned", name: "prod", dir: "infra/prod", terraformWorkspace: "default", tool: `terraform ${model.terraformVersion}`, model }] },
    { masker: new Masker(), templates },
  );
  const drift = await driftCommand({ planJson: planFile, workspace: "prod", format: "markdown", templates });
  const codify = await codifyCommand({ cwd: EXAMPLES, dir: "workspace", planJson: "plan.json", varFiles: [], write: false, templates });
  return templates.demo({ comment, drift, codify: codify.text.trimEnd() });
}
