import { loadRepoGraph } from "../adapters/hcl/load-repo-view.js";
import { loadWorkspace } from "../adapters/hcl/load-workspace.js";
import type { HclParser } from "../adapters/hcl/parser.js";
import type { Config } from "../config/schema.js";
import type { HclWorkspace } from "../core/hcl/workspace.js";
import { parityGroups } from "../core/parity/groups.js";
import { declaredSides, parityLines, type ParityLinesView } from "../core/parity/pr-line.js";
import type { ParityGroup } from "../core/parity/types.js";
import type { Masker } from "../core/render/mask.js";
import type { Checkout, Logger } from "../ports.js";

export interface PreviewParityDeps {
  loadParser: () => Promise<HclParser>;
  /** A shallow checkout of one commit (GitCheckout.checkoutCommit): the pull request's base. */
  checkoutCommit: (cloneUrl: string, sha: string, signal?: AbortSignal) => Promise<Checkout>;
  logger: Logger;
}

export interface PreviewParityInput {
  config: Config;
  /** The pull request's head, already checked out (read only). */
  headDir: string;
  cloneUrl: string;
  baseSha: string;
  /** Workspaces the pull request touches: a group with none of them among its members changed nothing. */
  touched: readonly string[];
  masker: Masker;
  /** For the log lines. */
  pr: number;
  signal?: AbortSignal;
}

/**
 * Issue 16 §5: the plan comment's parity lines. Reads each group's declared values from the head's code and
 * the base's (a second shallow checkout, made only when a group has a touched member), HCL only, no plans.
 * Never fails the preview: any error is logged and there are no lines.
 */
export async function previewParity(deps: PreviewParityDeps, input: PreviewParityInput): Promise<ParityLinesView | undefined> {
  try {
    const parser = await deps.loadParser();
    const head = await groupsAt(parser, input.config, input.headDir);
    const touched = new Set(input.touched);
    const relevant = head.filter((group) => group.members.some((member) => touched.has(member.workspace)));
    if (relevant.length === 0) return undefined;

    const checkout = await deps.checkoutCommit(input.cloneUrl, input.baseSha, input.signal);
    try {
      const base = new Map((await groupsAt(parser, input.config, checkout.dir)).map((group) => [group.name, group]));
      const headCode = await workspacesOf(parser, input.config, input.headDir, relevant);
      const baseCode = await workspacesOf(parser, input.config, checkout.dir, relevant.map((group) => base.get(group.name)).filter((group) => group !== undefined));
      const sides = relevant.map((group) => declaredSides(group, base.get(group.name), { head: headCode, base: baseCode }));
      return parityLines(sides, input.masker, { touched });
    } finally {
      await checkout.cleanup();
    }
  } catch (error) {
    if (!input.signal?.aborted) deps.logger.warn({ pr: input.pr, err: error }, "parity lines left out of the plan comment");
    return undefined;
  }
}

/** The parity groups a checkout's code forms (the head's config for both commits: one set of workspaces and groups is compared). */
async function groupsAt(parser: HclParser, config: Config, dir: string): Promise<ParityGroup[]> {
  const graph = await loadRepoGraph(parser, dir);
  return parityGroups({ graph, workspaces: config.workspaces.map((w) => ({ name: w.name, dir: w.dir })), config: config.parity }).groups;
}

/** Each member workspace's code with its own var files; one that cannot be read is left out, and its members are unknown. */
async function workspacesOf(parser: HclParser, config: Config, dir: string, groups: readonly ParityGroup[]): Promise<Map<string, HclWorkspace>> {
  const members = new Set(groups.flatMap((group) => group.members.map((member) => member.workspace)));
  const out = new Map<string, HclWorkspace>();
  for (const ws of config.workspaces.filter((w) => members.has(w.name))) {
    try {
      out.set(ws.name, (await loadWorkspace(parser, dir, ws.dir, ws.var_files, { skipUnreadable: true })).workspace);
    } catch {
      // a workspace missing from the map makes its members unknown: they count for neither side
    }
  }
  return out;
}
