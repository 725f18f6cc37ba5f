import path from "node:path";
import type { Config } from "../../config/schema.js";
import type { SwitchAction } from "../policy/decide.js";
import type { Masker } from "../render/mask.js";
import type { Templates } from "../templates.js";
import { MARKER_VERSION, type BackportMarker } from "./marker.js";
import { actionOf, labelsFor, titleFor, type BackportPlan, type PlanAction, type PlannedDrift } from "./plan.js";

/** What the codify engine and the verification plan made of one drift that policy sent to codify. */
export type CodifyOutcome =
  /** Edited, and (unless `backport.verify` is false) a targeted plan of the edited tree proposes no change to it. */
  | { status: "codified"; file: string; /** Every file edited, when the value was lifted out of shared code into the drifted caller. */ files?: string[]; /** Where and why the value was written (lifting explained). */ via?: string }
  /** The engine would not edit it (codifyDrift's reason and suggested snippet): reverted instead. */
  | { status: "refused"; reason: string; snippet: string }
  /** Edited, but the verification plan still changed it (e.g. the provider normalises the value): reverted instead. */
  | { status: "still-changes"; /** Why, when it is not the attribute itself (the edit would change another workspace, instance or consumer). */ reason?: string };

/** One drift as the pull request finally handles it. */
export interface SettledDrift extends PlannedDrift {
  action: SwitchAction;
  /** Set for drift policy sent to codify. */
  outcome?: CodifyOutcome;
}

/** A backport pull request once codify and verification have run: what it really does. */
export interface SettledBackport {
  plan: BackportPlan;
  action: PlanAction;
  items: SettledDrift[];
  title: string;
  labels: string[];
  marker: BackportMarker;
}

/**
 * Applies codify outcomes to a plan: drift the engine refused, or that the verification plan
 * still changes, is reverted instead, and the title, labels and marker follow. Every drift
 * policy sent to codify needs an outcome (a missing one is a bug in the caller and throws).
 */
export function settleBackport(
  plan: BackportPlan,
  outcomes: ReadonlyMap<string, CodifyOutcome>,
  options: { config: Pick<Config, "backport">; masker: Masker; templates: Pick<Templates, "backportTitle"> },
): SettledBackport {
  const items: SettledDrift[] = plan.items.map((item) => {
    if (item.decision.action === "revert") return { ...item, action: "revert" };
    const outcome = outcomes.get(item.fingerprint);
    if (!outcome) throw new Error(`settleBackport: no codify outcome for ${item.item.address} ${item.item.pathText} (${item.fingerprint})`);
    return { ...item, action: outcome.status === "codified" ? "codify" : "revert", outcome };
  });
  const action = actionOf(items.map((i) => i.action));
  const override = plan.items.find((i) => i.decision.source === "command")?.decision.action;
  return {
    plan,
    action,
    items,
    title: action === plan.action ? plan.title : titleFor(action, plan.workspace, items, options),
    labels: labelsFor(action, options.config.backport.labels),
    marker: {
      version: MARKER_VERSION,
      key: plan.key,
      workspace: plan.workspace,
      action,
      items: items.map((i) => ({ fingerprint: i.fingerprint, valueHash: i.valueHash, action: i.decision.action, settled: i.action })),
      digest: plan.digest,
      ...(override ? { override } : {}),
      ...(plan.incident?.linked ? { incident: plan.incident.linked.link } : {}),
    },
  };
}

/** `<records_dir>/<workspace>/<fingerprint>.md`: one file per drift, so `git log` of it is that drift's history. */
export function recordPath(recordsDir: string, workspace: string, fingerprint: string): string {
  return path.posix.join(recordsDir.replaceAll("\\", "/"), workspace, `${fingerprint}.md`);
}

/** The drift that gets a record file: reverted drift always (it is the pull request's only change), codified drift unless `backport.records` is false. */
export function recordedItems(settled: SettledBackport, config: Pick<Config, "backport">): SettledDrift[] {
  return settled.items.filter((i) => i.action === "revert" || config.backport.records);
}
