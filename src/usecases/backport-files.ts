import { loadWorkspace } from "../adapters/hcl/load-workspace.js";
import type { HclParser } from "../adapters/hcl/parser.js";
import type { HclToolchain } from "../adapters/hcl/toolchain.js";
import type { Config, WorkspaceConfig } from "../config/schema.js";
import {
  recordedItems,
  renderBackportBody,
  renderDriftRecord,
  settleBackport,
  type BackportPlan,
  type CodifyOutcome,
  type PlannedDrift,
  type SettledBackport,
} from "../core/backport/index.js";
import { changedAttributes } from "../core/drift/pairing.js";
import { overlaps } from "../core/drift/evidence.js";
import { formatAttributePath, parseResourceAddress } from "../core/hcl/address.js";
import { removeResourceBlock } from "../core/hcl/remove.js";
import type { DriftTarget } from "../core/hcl/resolve.js";
import type { HclWorkspace } from "../core/hcl/workspace.js";
import type { RepoView } from "../core/repo/view.js";
import type { ResourceChange } from "../core/plan/model.js";
import type { Masker } from "../core/render/mask.js";
import type { BackportFile } from "../ports.js";
import type { ParitySiblings } from "../core/parity/siblings.js";
import type { Templates } from "../templates.js";
import { codifyDrift } from "./codify-drift.js";

/** What turns a plan into a pull request's words and files. */
export interface BuildContext {
  config: Config;
  masker: Masker;
  templates: Templates;
  /** Verification was turned off by the caller (a dry run), not by `backport.verify`. */
  unverifiedBy?: "dry-run";
  /** The scan's parity: drift in one member of a group says what the other members keep and how to align them. */
  parity?: ParitySiblings;
}

/**
 * One workspace's code as the scan's checkout has it, loaded and parsed once per scan. Each
 * codify pass edits it in memory; `restore` puts the checkout's text back, so one pull request's
 * edits never leak into another's files.
 */
export class WorkspaceCode {
  private readonly originals: Map<string, string>;

  private constructor(
    readonly ws: HclWorkspace,
    private readonly toolchain: HclToolchain,
  ) {
    this.originals = new Map(ws.files().map((file) => [file, ws.source(file)]));
  }

  static async load(parser: HclParser, toolchain: HclToolchain, checkoutDir: string, workspace: WorkspaceConfig, view?: RepoView, rootOnly?: string): Promise<WorkspaceCode> {
    const { workspace: ws } = await loadWorkspace(parser, checkoutDir, workspace.dir, workspace.var_files, { skipUnreadable: true });
    if (view) ws.scope = { view, workspace: workspace.name, ...(rootOnly ? { rootOnly } : {}) };
    return new WorkspaceCode(ws, toolchain);
  }

  /**
   * Codifies drift into the code: attributes through the codify engine, a resource deleted
   * outside Terraform by removing its block. Returns an outcome per fingerprint (codified or
   * refused) and the files that now differ from the checkout, with their whole new text.
   */
  async codify(items: readonly PlannedDrift[]): Promise<{ outcomes: Map<string, CodifyOutcome>; files: Map<string, string> }> {
    const outcomes = new Map<string, CodifyOutcome>();
    const attributes = items.filter((i) => i.item.class !== "deleted");
    const results = await codifyDrift({ toolchain: this.toolchain }, this.ws, attributes.map(targetOf));
    attributes.forEach((planned, index) => {
      const result = results[index]!;
      outcomes.set(planned.fingerprint, result.status === "codified" ? { status: "codified", file: result.file, files: result.files, via: result.via } : result.status === "up-to-date" ? { status: "refused", reason: "the code already says what is running; nothing to change.", snippet: "" } : { status: "refused", reason: result.reason, snippet: result.snippet });
    });
    for (const planned of items.filter((i) => i.item.class === "deleted")) outcomes.set(planned.fingerprint, await this.removeBlock(planned.item.address));
    return { outcomes, files: this.changedFiles() };
  }

  /** The checkout's text again, for every file an earlier pass edited. */
  restore(): void {
    for (const [file, source] of this.originals) if (this.ws.source(file) !== source) this.ws.update(file, source);
  }

  /** Files that differ from the checkout now, with their text (line endings as the edit left them). */
  changedFiles(): Map<string, string> {
    return new Map(this.ws.files().flatMap((file) => (this.ws.source(file) !== this.originals.get(file) ? [[file, this.ws.source(file)] as const] : [])));
  }

  private async removeBlock(address: string): Promise<CodifyOutcome> {
    const removal = removeResourceBlock(this.ws, address);
    const parsed = parseResourceAddress(address);
    const snippet = `# delete this block from the code: resource "${parsed?.type ?? ""}" "${parsed?.name ?? ""}" { … }`;
    if ("refused" in removal) return { status: "refused", reason: removal.refused, snippet };
    const invalid = await this.toolchain.validate(removal.file, removal.source);
    if (invalid) return { status: "refused", reason: `the edit did not pass driftback's checks (terraform's parser rejects the result: ${invalid}), so it was not made.`, snippet };
    this.ws.update(removal.file, removal.source);
    return { status: "codified", file: removal.file };
  }
}

/** Answers kept per run: the same text is validated and formatted many times over when each pull request is codified on its own. */
const MEMO_ENTRIES = 512;

export function memoizedToolchain(toolchain: HclToolchain): HclToolchain {
  const validated = new Map<string, Promise<string | undefined>>();
  const formatted = new Map<string, Promise<string>>();
  const remember = <T>(cache: Map<string, Promise<T>>, key: string, run: () => Promise<T>) => {
    let answer = cache.get(key);
    if (!answer) {
      if (cache.size >= MEMO_ENTRIES) cache.clear();
      answer = run();
      cache.set(key, answer);
    }
    return answer;
  };
  return {
    validate: (file, source) => remember(validated, `${file}\0${source}`, () => toolchain.validate(file, source)),
    format: (source) => remember(formatted, source, () => toolchain.format(source)),
  };
}

/** The codify engine's view of one planned drift; secrets count as sensitive whatever the plan says, so they are never written. */
export function targetOf(planned: PlannedDrift): DriftTarget {
  const { item } = planned;
  return { address: item.address, path: item.path, live: item.after, liveResource: item.liveResource, recordedResource: item.recordedResource, sensitive: planned.secret, managed: item.managed };
}

/** A pull request's words and files, once codify (and verification) decided what it does. */
export interface BuiltBackport {
  settled: SettledBackport;
  title: string;
  body: string;
  labels: string[];
  /** Every file the pull request changes, with its whole text: code edits and drift records. */
  files: BackportFile[];
}

export interface BuildInput {
  plan: BackportPlan;
  outcomes: ReadonlyMap<string, CodifyOutcome>;
  /** The code files the codified drift changed (the edits of drift that stayed codified only). */
  codeFiles: ReadonlyMap<string, string>;
  /** The scan's resource changes of this workspace: the revert plan excerpt and `expect`. */
  revertChanges: readonly ResourceChange[];
  /** The workspaces the verification planned (the drifted one first), for the body. */
  verifiedIn?: readonly string[];
  /** The verification plan's resource changes, when it rejected some codify. */
  verificationChanges?: readonly ResourceChange[];
  /** The pull request's number once it has one (its drift records name it). */
  pr?: number;
}

/** Settles the plan and renders its title, body (with the marker), labels, records and code files. Pure. */
export function buildBackport(input: BuildInput, ctx: BuildContext): BuiltBackport {
  const { config, masker, templates } = ctx;
  const settled = settleBackport(input.plan, input.outcomes, { config, masker, templates });
  const expect = expectedChanges(settled, input.revertChanges, masker);
  if (expect.length > 0) settled.marker.expect = expect;
  const body = renderBackportBody(
    { settled, revertChanges: input.revertChanges, ...(input.verificationChanges ? { verificationChanges: input.verificationChanges } : {}), ...(input.verifiedIn ? { verifiedIn: input.verifiedIn } : {}), config },
    { masker, templates, ...(ctx.unverifiedBy ? { unverifiedBy: ctx.unverifiedBy } : {}), ...(ctx.parity ? { parity: ctx.parity } : {}) },
  );
  const records = recordedItems(settled, config).map((drift) =>
    renderDriftRecord({ drift, settled, recordsDir: config.backport.records_dir, ...(input.pr !== undefined ? { pr: input.pr } : {}) }, { masker, templates }),
  );
  const files: BackportFile[] = [...[...input.codeFiles].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, contents]) => ({ path, contents })), ...records];
  return { settled, title: settled.title, body, labels: settled.labels, files };
}

/**
 * For each reverted resource, the attribute paths apply will change, as the scan's plan shows
 * them (attributes this pull request codifies excepted): what a plan after the merge must match.
 * No paths: the whole resource (it is created again). Names only, never values.
 */
export function expectedChanges(settled: SettledBackport, changes: readonly ResourceChange[], masker: Masker): { address: string; paths: string[] }[] {
  const byAddress = new Map(changes.map((c) => [c.address, c]));
  const reverted = [...new Set(settled.items.filter((i) => i.action === "revert").map((i) => i.item.address))].sort();
  return reverted.map((address) => {
    const ownItems = settled.items.filter((i) => i.item.address === address);
    const codified = ownItems.filter((i) => i.action === "codify").map((i) => i.item.path);
    const change = byAddress.get(address);
    let paths: string[];
    if (ownItems.some((i) => i.item.class === "deleted") || change?.action === "create") paths = [];
    else if (change && change.action !== "no-op") {
      paths = changedAttributes(change.before ?? null, change.after ?? null, "after")
        .map((c) => c.path)
        .filter((path) => !codified.some((done) => overlaps(done, path)))
        .map((path) => formatAttributePath(path));
    } else paths = ownItems.filter((i) => i.action === "revert").map((i) => i.item.pathText);
    return { address: masker.scrubText(address), paths: [...new Set(paths.map((p) => masker.scrubText(p)))].sort() };
  });
}

/** Every file a codify outcome edited. */
export function fileOf(outcome: CodifyOutcome | undefined): string[] {
  return outcome?.status === "codified" ? (outcome.files ?? [outcome.file]) : [];
}
