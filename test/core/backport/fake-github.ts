import {
  activeIgnores,
  clearedMarkers,
  clearedMerges,
  encodeMarker,
  isWrite,
  parseMarker,
  planBackports,
  reconcileBackports,
  settleBackport,
  splitIgnored,
  switchedActions,
  type BackportPlan,
  type ClearedMerge,
  type CodifyOutcome,
  type ExistingBranch,
  type ExistingPullRequest,
  type Operation,
} from "../../../src/core/backport/index.js";
import type { Config } from "../../../src/config/schema.js";
import type { DriftItem } from "../../../src/core/drift/items.js";
import { fingerprintOf } from "../../../src/core/drift/track.js";
import { Masker } from "../../../src/core/render/mask.js";
import { bundledTemplates } from "../../../src/templates.js";
import { decideAll } from "./support.js";

interface Branch {
  /** Who made each commit since the base. */
  commits: ("driftback" | "person")[];
  /** The base version the branch was made from. */
  base: number;
  /** What driftback's last commit wrote (the plan's drift), to skip a commit that changes nothing. */
  content: string;
}

interface PullRequest {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  branch: string;
  body: string;
  labels: string[];
  closedBy?: "driftback" | "person";
  comments: string[];
}

/** Thrown by the fake after the allowed number of writes: a crash between two steps. */
export class Crash extends Error {}

/**
 * GitHub in memory, and the use case's way of carrying out operations written as the steps it
 * will take (each write one step, each safe to repeat), so lifecycle tests can crash between any two.
 */
export class FakeGitHub {
  readonly prs = new Map<number, PullRequest>();
  readonly branches = new Map<string, Branch>();
  base = 1;
  writes = 0;
  /** What the dashboard state remembers across scans: merges whose drift a scan found gone. */
  cleared: ClearedMerge[] = [];
  private nextNumber = 1;
  private crashAfter = Infinity;

  pullRequests(): ExistingPullRequest[] {
    return [...this.prs.values()].map((pr) => {
      const branch = this.branches.get(pr.branch);
      return {
        number: pr.number,
        state: pr.state,
        merged: pr.merged,
        branch: pr.branch,
        marker: parseMarker(pr.body),
        labels: [...pr.labels],
        ...(pr.closedBy ? { closedBy: pr.closedBy } : {}),
        ...(pr.state === "open" && branch ? { head: { onlyDriftback: branch.commits.every((c) => c === "driftback"), baseMoved: branch.base < this.base, empty: branch.commits.length === 0 } } : {}),
      };
    });
  }

  branchList(): ExistingBranch[] {
    return [...this.branches].map(([name, b]) => ({ name, onlyDriftback: b.commits.every((c) => c === "driftback") }));
  }

  openPrs(): PullRequest[] {
    return [...this.prs.values()].filter((pr) => pr.state === "open");
  }

  /** Lets `count` more writes through, then crashes. */
  crashAfterWrites(count: number): void {
    this.crashAfter = this.writes + count;
  }

  noCrash(): void {
    this.crashAfter = Infinity;
  }

  // people and the world
  personCloses(number: number): void {
    Object.assign(this.prs.get(number)!, { state: "closed", closedBy: "person" });
  }
  personMerges(number: number): void {
    Object.assign(this.prs.get(number)!, { state: "closed", merged: true });
    this.base++;
  }
  /** What the slash-command handler will do for `/driftback codify|revert`: record the person's choice in the marker. */
  personSwitches(number: number, action: "codify" | "revert"): void {
    const pr = this.prs.get(number)!;
    const marker = parseMarker(pr.body)!;
    pr.body = pr.body.replace(encodeMarker(marker), encodeMarker({ ...marker, override: action }));
  }
  /** What the use case does for clearedMarkers: the merged pull request's marker, rewritten in place. */
  recordMarker(number: number, marker: ReturnType<typeof parseMarker> & object): void {
    const pr = this.prs.get(number)!;
    const current = parseMarker(pr.body)!;
    const body = pr.body.replace(encodeMarker(current), encodeMarker(marker));
    if (body !== pr.body) this.write(() => (pr.body = body));
  }
  personPushes(branch: string): void {
    this.branches.get(branch)!.commits.push("person");
  }
  baseMoves(): void {
    this.base++;
  }

  apply(operation: Operation, config: Config, masker: Masker): void {
    const settledBody = (plan: BackportPlan) => {
      const outcomes = new Map<string, CodifyOutcome>(plan.items.map((i) => [i.fingerprint, { status: "codified", file: "main.tf" }]));
      const settled = settleBackport(plan, outcomes, { config, masker, templates: bundledTemplates() });
      return { body: `${settled.title}\n\n${encodeMarker(settled.marker)}`, labels: settled.labels, content: plan.items.map((i) => `${i.fingerprint}:${i.valueHash}:${i.decision.action}`).join(",") };
    };
    switch (operation.kind) {
      case "open":
      case "resume": {
        const { body, labels, content } = settledBody(operation.plan);
        const branch = this.branches.get(operation.plan.branch);
        if (!branch) this.write(() => this.branches.set(operation.plan.branch, { commits: [], base: this.base, content: "" }));
        else if (operation.kind === "open" || branch.base < this.base) this.write(() => Object.assign(branch, { commits: [], base: this.base, content: "" }));
        this.commit(operation.plan.branch, content);
        const open = this.openPrs().find((pr) => pr.branch === operation.plan.branch);
        const number = open?.number ?? this.write(() => this.createPr(operation.plan.branch, body));
        this.setLabels(number, labels);
        return;
      }
      case "update":
      case "regenerate": {
        const { body, labels, content } = settledBody(operation.plan);
        if (operation.kind === "regenerate") this.write(() => Object.assign(this.branches.get(operation.plan.branch)!, { commits: [], base: this.base, content: "" }));
        this.commit(operation.plan.branch, content);
        this.setBody(operation.pr, body);
        this.setLabels(operation.pr, labels);
        return;
      }
      case "refresh-body":
      case "comment-human-push": {
        const { body, labels } = settledBody(operation.plan);
        if (operation.kind === "comment-human-push") this.write(() => this.prs.get(operation.pr)!.comments.push("drift changed"));
        this.setBody(operation.pr, body);
        this.setLabels(operation.pr, labels);
        return;
      }
      case "label-fix": {
        const pr = this.prs.get(operation.pr)!;
        this.write(() => (pr.labels = [...pr.labels.filter((l) => !operation.remove.includes(l)), ...operation.add]));
        return;
      }
      case "close": {
        const pr = this.prs.get(operation.pr)!;
        if (pr.state === "open") this.write(() => Object.assign(pr, { state: "closed", closedBy: "driftback" }));
        this.write(() => pr.comments.push(`closed: ${operation.reason}`));
        if (operation.deleteBranch && this.branches.has(operation.branch)) this.write(() => this.branches.delete(operation.branch));
        return;
      }
      case "delete-branch":
        this.write(() => this.branches.delete(operation.branch));
        return;
      case "leave-alone":
      case "wait-max-open":
      case "branch-blocked":
        return;
    }
  }

  private commit(name: string, content: string): void {
    const branch = this.branches.get(name)!;
    if (branch.content === content && branch.commits.length > 0) return; // the files are already there
    this.write(() => {
      branch.commits.push("driftback");
      branch.content = content;
    });
  }

  private setBody(number: number, body: string): void {
    const pr = this.prs.get(number)!;
    if (pr.body !== body) this.write(() => (pr.body = body));
  }

  private setLabels(number: number, labels: readonly string[]): void {
    const pr = this.prs.get(number)!;
    const own = ["drift", "drift:codify", "drift:revert"];
    const next = [...pr.labels.filter((l) => !own.includes(l) || labels.includes(l)), ...labels.filter((l) => !pr.labels.includes(l))];
    if (next.join() !== pr.labels.join()) this.write(() => (pr.labels = next));
  }

  private createPr(branch: string, body: string): number {
    const number = this.nextNumber++;
    this.prs.set(number, { number, state: "open", merged: false, branch, body, labels: [], comments: [] });
    return number;
  }

  private write<T>(step: () => T): T {
    if (this.writes >= this.crashAfter) throw new Crash(`crash after ${this.writes} writes`);
    this.writes++;
    return step();
  }
}

export interface ScanOptions {
  config: Config;
  /** false: a run without a dashboard (the CLI in a scheduled job), which remembers nothing between runs but the pull requests. */
  dashboard?: boolean;
  scanned?: readonly string[];
  reopen?: ReadonlySet<string>;
}

/** One scan as the use case runs it: decide, drop ignored drift, plan, reconcile. */
export function reconcileScan(github: FakeGitHub, items: readonly DriftItem[], options: ScanOptions): Operation[] {
  return scanOnce(github, items, options).operations;
}

function scanOnce(github: FakeGitHub, items: readonly DriftItem[], options: ScanOptions): { operations: Operation[]; cleared: ClearedMerge[] } {
  const masker = new Masker();
  const { config } = options;
  const existing = github.pullRequests();
  const scanned = new Set(options.scanned ?? config.workspaces.map((w) => w.name));
  const drifting = new Set(items.filter((i) => i.class === "actionable" || i.class === "deleted").map(fingerprintOf));
  const cleared = clearedMerges(existing, options.dashboard === false ? [] : github.cleared, { scanned, drifting });
  const decided = decideAll(items, config, masker, switchedActions(existing), fingerprintOf);
  const { active } = splitIgnored(decided, activeIgnores(existing, [], options.reopen), masker);
  const plans = planBackports(active, { config, masker, templates: bundledTemplates() });
  const operations = reconcileBackports(plans, existing, github.branchList(), {
    scanned,
    configured: new Set(config.workspaces.map((w) => w.name)),
    drifting,
    ...(options.reopen ? { reopen: options.reopen } : {}),
    cleared: new Map(cleared.map((c) => [c.fingerprint, c.pr])),
    maxOpen: config.backport.max_open,
    labels: config.backport.labels,
  });
  return { operations, cleared };
}

/** Scans and applies every operation, then writes the dashboard state (after the operations, as the scan does); returns the operations. */
export function scanAndApply(github: FakeGitHub, items: readonly DriftItem[], options: ScanOptions): Operation[] {
  const { operations, cleared } = scanOnce(github, items, options);
  for (const operation of operations) github.apply(operation, options.config, new Masker());
  for (const { pr, marker } of clearedMarkers(github.pullRequests(), cleared)) github.recordMarker(pr, marker);
  if (options.dashboard !== false) github.cleared = cleared;
  return operations;
}

export const writesOf = (operations: readonly Operation[]) => operations.filter(isWrite);
