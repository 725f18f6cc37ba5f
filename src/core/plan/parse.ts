import type {
  ChangeAction,
  CheckOutcome,
  JsonValue,
  Marks,
  OutputChange,
  PathStep,
  PlanModel,
  PlanSummary,
  RelevantAttribute,
  ResourceChange,
} from "./model.js";
import { withoutUnprintable } from "../printable.js";
import { isMove } from "./model.js";

/** The plan JSON is not what `terraform show -json` writes; `field` says where. */
export class PlanParseError extends Error {
  constructor(
    message: string,
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${message}`, options);
    this.name = "PlanParseError";
  }
}

type JsonObject = { [key: string]: unknown };

/** Parses `terraform show -json` / `tofu show -json` output (text or parsed) into a PlanModel. Pure. */
export function parsePlan(input: string | unknown): PlanModel {
  const doc = typeof input === "string" ? parseJsonText(input) : input;
  if (!isObject(doc)) throw new PlanParseError(`expected a JSON object from \`show -json\`, found ${jsonType(doc)}`, "(document)");
  refuseState(doc);
  readFormatVersion(doc.format_version);
  checkDepth(doc);
  const resourceChanges = readResourceChanges(doc.resource_changes, "resource_changes");
  const resourceDrift = readResourceChanges(doc.resource_drift, "resource_drift");
  const outputChanges = readOutputChanges(doc.output_changes);
  return {
    formatVersion: doc.format_version as string,
    terraformVersion: typeof doc.terraform_version === "string" ? doc.terraform_version : undefined,
    errored: doc.errored === true,
    refreshOnly: !("resource_changes" in doc) && "resource_drift" in doc,
    resourceChanges,
    resourceDrift,
    relevantAttributes: readRelevantAttributes(doc.relevant_attributes),
    outputChanges,
    checks: [...readChecks(doc.checks), ...readConditionResults(doc.condition_results)],
    summary: summarize(resourceChanges),
  };
}

/** What to do instead of passing a state: the words the CLI and the App show. */
export const STATE_NOT_PLAN = "run `terraform plan -out=tfplan`, then `terraform show -json tfplan`";

/** Top-level keys only a plan has; terraform writes `planned_values` in every plan, even an empty or errored one. */
const PLAN_KEYS = ["planned_values", "resource_changes", "resource_drift", "output_changes", "prior_state", "configuration", "relevant_attributes", "variables", "checks", "condition_results", "errored", "applyable", "complete"];

/**
 * A state read as a plan would be an empty plan: "no changes", a false all-clear. `show -json`
 * without a plan file prints the state's `values` (terraform 1.11: format_version, terraform_version,
 * values) or, with no state at all, format_version alone; a state file (`terraform.tfstate`,
 * `terraform state pull`) has a numeric `version`, `lineage` and `resources`. Refresh-only, errored
 * and empty plans have no `resource_changes` but still have `planned_values`, so they are read.
 */
function refuseState(doc: JsonObject): void {
  if (!("format_version" in doc) && typeof doc.version === "number" && ("lineage" in doc || Array.isArray(doc.resources))) {
    throw new PlanParseError(`this is a state file, not a plan: ${STATE_NOT_PLAN}`, "(document)");
  }
  if (!("format_version" in doc) || PLAN_KEYS.some((key) => key in doc)) return;
  if ("values" in doc) throw new PlanParseError(`this is a state, not a plan: ${STATE_NOT_PLAN}`, "(document)");
  if (Object.keys(doc).every((key) => key === "format_version" || key === "terraform_version")) {
    throw new PlanParseError(`this is an empty state (\`show -json\` without a plan file, where nothing is applied yet), not a plan: ${STATE_NOT_PLAN}`, "(document)");
  }
}

/** The newest `format_version` major driftback knows; a newer one is read but flagged (see isNewerFormat). */
export const KNOWN_FORMAT_MAJOR = 1;
const FORMAT_VERSION = /^(\d+)\.\d+(\.\d+)?$/;

/** Whether a plan's format_version has a major version newer than driftback knows (it may mean something else). */
export function isNewerFormat(formatVersion: string): boolean {
  const match = FORMAT_VERSION.exec(formatVersion);
  return match !== null && Number(match[1]) > KNOWN_FORMAT_MAJOR;
}

function readFormatVersion(value: unknown): string {
  if (value === undefined) throw new PlanParseError("missing; is this the output of `terraform show -json <planfile>`?", "format_version");
  if (typeof value !== "string") throw new PlanParseError(`must be a string such as "1.2", found ${jsonType(value)}`, "format_version");
  // not echoed: the file may be anything, secrets included
  if (!FORMAT_VERSION.test(value)) throw new PlanParseError('is not a version such as "1.2"; is this the output of `terraform show -json <planfile>`?', "format_version");
  return value;
}

/**
 * Deepest nesting accepted. Real plans stay far below it (a resource value nested 20 levels is
 * rare); the renderers and classifiers walk values recursively, and 5,000 levels overflow the stack.
 */
export const MAX_PLAN_DEPTH = 128;

/** Refuses absurdly deep documents up front, naming the top-level field (and entry) that is too deep. */
function checkDepth(doc: JsonObject): void {
  for (const [key, value] of Object.entries(doc)) {
    if (Array.isArray(value)) {
      value.forEach((entry, index) => {
        if (depthExceeds(entry, MAX_PLAN_DEPTH - 2)) throw new PlanParseError(`nested more than ${MAX_PLAN_DEPTH} levels deep; terraform never writes that: is this really \`show -json\` output?`, `${key}[${index}]`);
      });
    } else if (depthExceeds(value, MAX_PLAN_DEPTH - 1)) {
      throw new PlanParseError(`nested more than ${MAX_PLAN_DEPTH} levels deep; terraform never writes that: is this really \`show -json\` output?`, key);
    }
  }
}

/** Iterative, so the check itself cannot overflow the stack. */
function depthExceeds(root: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value !== "object" || value === null) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === "object" && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PlanParseError(describeBadJson(text, (error as Error).message), "(document)", { cause: error });
  }
}

/**
 * What is wrong with text that is not JSON, without echoing it: the file may hold secrets
 * (a tfvars file passed by mistake) or terminal escape sequences.
 */
function describeBadJson(text: string, parserMessage: string): string {
  const start = text.trimStart();
  const wanted = "give the output of `terraform show -json <planfile>`";
  if (start.length === 0) return `not valid JSON: the file is empty; ${wanted}`;
  if (start.startsWith("PK\u0003\u0004")) return `not valid JSON: this is a binary plan file; ${wanted} instead`;
  // NUL bytes or bytes that are not UTF-8: a stray control character in text is left to the JSON message
  if (/[\u0000\ufffd]/.test(start.slice(0, 4096))) return `not valid JSON: this is a binary file; ${wanted}`;
  if (/^(Terraform|OpenTofu|Plan:|No changes)/.test(start)) return `not valid JSON: this is human-readable plan output; ${wanted} instead`;
  // V8 quotes a piece of the text ("Unexpected token 'x', \"...\" is not valid JSON"): keep only its own words
  const reason = parserMessage.replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, "").replace(/ in JSON at position \d+.*$/s, "");
  const position = /at position (\d+)/.exec(parserMessage);
  return `not valid JSON (${reason}${position ? ` at ${lineAndColumn(text, Number(position[1]))}` : ""})`;
}

function lineAndColumn(text: string, index: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${index - lineStart + 1}`;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const ACTIONS: Record<string, ChangeAction> = {
  create: "create",
  update: "update",
  delete: "delete",
  "delete,create": "delete-create",
  "create,delete": "create-delete",
  read: "read",
  "no-op": "no-op",
  forget: "forget",
};

export function actionFromArray(actions: readonly string[]): ChangeAction {
  return ACTIONS[actions.join(",")] ?? "unknown";
}

function readResourceChanges(value: unknown, field: string): ResourceChange[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new PlanParseError("expected an array", field);
  return value.map((entry, index) => readResourceChange(entry, `${field}[${index}]`));
}

function readResourceChange(entry: unknown, field: string): ResourceChange {
  if (!isObject(entry)) throw new PlanParseError("expected an object", field);
  if (typeof entry.address !== "string") throw new PlanParseError("missing the resource address", `${field}.address`);
  const change = entry.change;
  if (!isObject(change) || !Array.isArray(change.actions)) {
    throw new PlanParseError("missing change.actions", `${field}.change.actions`);
  }
  const rawActions = change.actions.map(String);
  const importing = isObject(change.importing) ? { id: typeof change.importing.id === "string" ? change.importing.id : undefined } : undefined;
  return {
    address: entry.address,
    previousAddress: typeof entry.previous_address === "string" ? entry.previous_address : undefined,
    moduleAddress: typeof entry.module_address === "string" ? entry.module_address : undefined,
    mode: entry.mode === "data" ? "data" : "managed",
    type: typeof entry.type === "string" ? entry.type : "",
    name: typeof entry.name === "string" ? entry.name : "",
    index: typeof entry.index === "string" || typeof entry.index === "number" ? entry.index : undefined,
    providerName: typeof entry.provider_name === "string" ? entry.provider_name : undefined,
    action: actionFromArray(rawActions),
    rawActions,
    actionReason: typeof entry.action_reason === "string" ? entry.action_reason : undefined,
    importing,
    replacePaths: Array.isArray(change.replace_paths) ? (change.replace_paths.filter(Array.isArray) as PathStep[][]) : [],
    ...readValueChange(change),
  };
}

function readValueChange(change: JsonObject) {
  return {
    before: change.before as JsonValue | undefined,
    after: change.after as JsonValue | undefined,
    afterUnknown: change.after_unknown as Marks,
    beforeSensitive: change.before_sensitive as Marks,
    afterSensitive: change.after_sensitive as Marks,
  };
}

function readOutputChanges(value: unknown): OutputChange[] {
  if (!isObject(value)) return [];
  return Object.entries(value).map(([name, change]) => {
    if (!isObject(change) || !Array.isArray(change.actions)) {
      throw new PlanParseError("missing actions", `output_changes.${name}.actions`);
    }
    const values = readValueChange(change);
    return {
      name,
      action: actionFromArray(change.actions.map(String)),
      sensitive: values.beforeSensitive === true || values.afterSensitive === true,
      ...values,
    };
  });
}

function readRelevantAttributes(value: unknown): RelevantAttribute[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value
    .filter((entry): entry is JsonObject => isObject(entry) && typeof entry.resource === "string" && Array.isArray(entry.attribute))
    .map((entry) => ({ resource: entry.resource as string, attribute: entry.attribute as PathStep[] }));
}

/** terraform >= 1.5 `checks`: check blocks and conditions, with problems per instance. */
function readChecks(value: unknown): CheckOutcome[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((check) => {
    const address = isObject(check.address) && typeof check.address.to_display === "string" ? withoutUnprintable(check.address.to_display) : "(unknown)";
    const instances = Array.isArray(check.instances) ? check.instances.filter(isObject) : [];
    const problems = instances.flatMap((instance) =>
      Array.isArray(instance.problems) ? instance.problems.filter(isObject).map((p) => withoutUnprintable(String(p.message ?? ""))) : [],
    );
    return { address, status: readCheckStatus(check.status), problems };
  });
}

/** Older `condition_results` (terraform 1.2–1.4, early OpenTofu). */
function readConditionResults(value: unknown): CheckOutcome[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((condition) => ({
    address: withoutUnprintable(String(condition.address ?? "(unknown)")),
    status: condition.unknown === true ? "unknown" : condition.result === false ? "fail" : "pass",
    problems: typeof condition.error_message === "string" ? [withoutUnprintable(condition.error_message)] : [],
  }));
}

function readCheckStatus(status: unknown): CheckOutcome["status"] {
  return status === "fail" || status === "error" || status === "pass" ? status : "unknown";
}

function summarize(changes: readonly ResourceChange[]): PlanSummary {
  const summary: PlanSummary = { add: 0, change: 0, destroy: 0, replace: 0, import: 0, move: 0, read: 0, forget: 0 };
  for (const change of changes) {
    if (change.mode === "data") continue; // data reads are not changes to infrastructure
    if (change.importing) summary.import++;
    if (isMove(change)) summary.move++;
    switch (change.action) {
      case "create":
        summary.add++;
        break;
      case "update":
        summary.change++;
        break;
      case "delete":
        summary.destroy++;
        break;
      case "delete-create":
      case "create-delete":
        summary.replace++;
        break;
      case "forget":
        summary.forget++;
        break;
      default:
        break;
    }
  }
  summary.read = changes.filter((c) => c.action === "read").length;
  return summary;
}
