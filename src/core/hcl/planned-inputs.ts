import path from "node:path";
import type { JsonValue } from "../plan/model.js";
import { evaluateExpression } from "./evaluate.js";
import { jsonAssignmentIn, winningJsonAssignment } from "./json-var-file.js";
import { attributeExpression, attributeName, blockBody, findAttribute, topLevelAttributes } from "./syntax.js";
import type { HclWorkspace, PlannedVariables } from "./workspace.js";

export type { PlannedVariables };

/**
 * What terraform planned the root module with, against what driftback reads from the code and the
 * var files it was given. The plan's `variables` block (`terraform show -json`: `{ name: { value } }`)
 * holds the value terraform used for every root variable; when the code and var files say
 * otherwise, terraform read a var file driftback was not given (or TF_VAR_/-var), and an edit of
 * the default or of another var file would change nothing terraform plans. Pure.
 */

/** Root variable name -> the value terraform planned with. */

/** The plan JSON's `variables`; undefined when it has none (an older format, a hand-made fixture). */
export function plannedVariablesOf(plan: unknown): PlannedVariables | undefined {
  const variables = isObject(plan) ? plan.variables : undefined;
  if (!isObject(variables)) return undefined;
  const planned = new Map<string, JsonValue>();
  for (const [name, entry] of Object.entries(variables)) if (isObject(entry) && "value" in entry) planned.set(name, entry.value as JsonValue);
  return planned;
}

/** `plannedVariablesOf` of plan JSON text; undefined for text that is not JSON. */
export function plannedVariablesIn(planJson: string | undefined): PlannedVariables | undefined {
  if (planJson === undefined) return undefined;
  try {
    return plannedVariablesOf(JSON.parse(planJson));
  } catch {
    return undefined;
  }
}

/** A root variable terraform planned with another value than driftback reads. */
export interface InputMismatch {
  /** One line, naming `--var-file` (or TF_VAR_/-var); no value is shown: a variable may hold a secret. */
  reason: string;
  /**
   * A var file driftback was not given sets the planned value: terraform read it, so the code the
   * read-back sees is not what terraform uses. Without one, the code may simply have changed since
   * the plan (a second run after `codify --write`).
   */
  unreadVarFile: boolean;
}

/**
 * Whether terraform planned one of the root variables `names` (those the value flows through) with
 * another value than the code and the var files resolve it to; undefined when they agree (or
 * either side is not a plain value to compare).
 */
export function plannedInputMismatch(ws: HclWorkspace, names: readonly string[], planned: PlannedVariables): InputMismatch | undefined {
  for (const name of new Set(names)) {
    if (!planned.has(name)) continue;
    const code = codeValueOf(ws, name);
    if (code === "unknown") continue;
    if (code !== undefined && sameInput(code.value, planned.get(name)!)) continue;
    const got = code === undefined ? "give it no value" : `give it another (${code.from})`;
    const said = `terraform planned \`var.${name}\` with a value, but the code and the var files driftback read ${got}`;
    const holders = unreadVarFiles(ws, name, planned.get(name)!);
    if (holders.length > 0) {
      const flags = holders.map((f) => `\`--var-file ${path.posix.relative(ws.rootDir, f)}\``).join(" or ");
      return { unreadVarFile: true, reason: `${said}; ${holders.map((f) => `\`${f}\``).join(" and ")} ${holders.length > 1 ? "set" : "sets"} it: pass the var files the plan used (${flags}; \`var_files\` in .github/driftback.yml) and driftback edits the value where terraform reads it, never the default.` };
    }
    return { unreadVarFile: false, reason: `${said}, and no var file in \`${ws.rootDir}\` sets it: it came from \`TF_VAR_${name}\` or \`-var\`, which driftback cannot edit. Set it in a var file passed with \`--var-file\` (\`var_files\` in .github/driftback.yml), or change it where it is set.` };
  }
  return undefined;
}

/** What the code and the loaded var files give a root variable: the winning var file's value, else its default. */
function codeValueOf(ws: HclWorkspace, name: string): { value: JsonValue; from: string } | "unknown" | undefined {
  const json = winningJsonAssignment(ws, name);
  if (json && "refused" in json) return "unknown";
  if (json) return { value: json.value, from: `\`${json.file}\`` };
  const [assignment] = ws.variableAssignments(name);
  if (assignment) {
    const value = evaluateExpression(attributeExpression(assignment.node));
    return value.kind === "literal" ? { value: value.value, from: `\`${assignment.file}\`` } : "unknown";
  }
  const variable = ws.findBlock(ws.rootDir, "variable", name);
  const fallback = variable && findAttribute(blockBody(variable.node), "default");
  if (!variable || !fallback) return undefined;
  const value = evaluateExpression(attributeExpression(fallback));
  return value.kind === "literal" ? { value: value.value, from: `the default in \`${variable.file}\`` } : "unknown";
}

/**
 * The root's var files terraform does not read unless named (`*.tfvars`, `*.tfvars.json` beside the
 * code) that set the variable: those setting the planned value first, else every one setting it.
 */
function unreadVarFiles(ws: HclWorkspace, name: string, planned: JsonValue): string[] {
  const read = new Set(ws.varFileOrder());
  const setting: { file: string; value: JsonValue | undefined }[] = [];
  for (const file of ws.files().sort()) {
    if (read.has(file) || path.posix.dirname(file) !== ws.rootDir || !/\.tfvars(?:\.json)?$/.test(file)) continue;
    if (file.endsWith(".json")) {
      try {
        const found = jsonAssignmentIn(file, ws.source(file), name);
        if (found) setting.push({ file, value: found.value });
      } catch {
        // not JSON: terraform could not have read it either
      }
      continue;
    }
    if (ws.hasSyntaxError(file)) continue;
    const attribute = topLevelAttributes(ws.tree(file)).find((a) => attributeName(a) === name);
    if (!attribute) continue;
    const value = evaluateExpression(attributeExpression(attribute));
    setting.push({ file, value: value.kind === "literal" ? value.value : undefined });
  }
  const exact = setting.filter((s) => s.value !== undefined && sameInput(s.value, planned));
  return (exact.length > 0 ? exact : setting).map((s) => s.file);
}

/**
 * Whether a value from the code is the one terraform planned, after terraform's conversions:
 * `"3"` and `3`, `"true"` and `true` are the same input; a set (or a list) may come back in
 * another order; an object attribute the code leaves out may come back as null or as an optional
 * attribute's default. Lenient on purpose: only a value the code really says otherwise differs.
 */
export function sameInput(code: JsonValue, planned: JsonValue): boolean {
  if (code === null || planned === null) return code === planned;
  if (Array.isArray(code) || Array.isArray(planned)) {
    if (!Array.isArray(code) || !Array.isArray(planned) || code.length !== planned.length) return false;
    if (code.every((v, i) => sameInput(v, planned[i]!))) return true;
    // a set: each planned element matched by one of the code's
    const left = [...code];
    return planned.every((p) => {
      const at = left.findIndex((c) => sameInput(c, p));
      return at !== -1 && left.splice(at, 1).length === 1;
    });
  }
  if (isObject(code) || isObject(planned)) {
    if (!isObject(code) || !isObject(planned)) return false;
    return Object.keys(code).every((k) => sameInput(code[k] as JsonValue, (planned[k] ?? null) as JsonValue));
  }
  return String(code) === String(planned);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
