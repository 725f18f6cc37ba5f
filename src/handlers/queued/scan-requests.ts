import type { BreakGlassDeclaration } from "../../core/incidents/types.js";
import { alignRequestKey, type AlignAsk } from "../../core/parity/align-command.js";
import type { ScannableRepo } from "../scannable-repo.js";

/** What a caller asks of a scan besides "scan it": fingerprints to open again, a scan after the running one, break-glass records. */
export interface ScanRequestOptions {
  reopen?: readonly string[];
  again?: boolean;
  breakGlass?: readonly BreakGlassDeclaration[];
  resolvedIncidents?: readonly string[];
  /** `/driftback align` requests (issue 16 §6), with where to reply. */
  align?: readonly AlignAsk[];
}

/** One request as the Redis list of a repository keeps it (plain JSON, any replica reads it). */
export interface ScanRequest {
  repo: ScannableRepo;
  options: ScanRequestOptions;
}

/** The scan a job runs for the requests it took: the newest repository (its config) and every option, merged. */
export interface MergedScan {
  repo: ScannableRepo;
  reopen: string[];
  breakGlass: BreakGlassDeclaration[];
  resolvedIncidents: string[];
  align: AlignAsk[];
  /** How many requests this scan answers. */
  requests: number;
}

/** `owner/repo` lower-cased: one scan per repository whatever the case its callers spell it in. */
export function repoKey(repo: ScannableRepo): string {
  return `${repo.target.owner}/${repo.target.repo}`.toLowerCase();
}

/** The BullMQ deduplication id of a repository's scan job (no ":" — BullMQ ids must not hold one). */
export function scanDeduplicationId(repo: ScannableRepo): string {
  return `scan/${repoKey(repo)}`;
}

/** Whether a request must not be dropped when a scan is running already (in-process, a plain request is). */
export function carriesWork(options: ScanRequestOptions): boolean {
  return Boolean(options.reopen?.length || options.again || options.breakGlass?.length || options.resolvedIncidents?.length || options.align?.length);
}

export function encodeRequest(request: ScanRequest): string {
  return JSON.stringify(request);
}

/** Requests read back from Redis, oldest first; an entry that is not one (a hand-edited key) is left out. */
export function decodeRequests(raw: readonly string[]): ScanRequest[] {
  return raw.flatMap((text) => {
    try {
      const parsed = JSON.parse(text) as Partial<ScanRequest>;
      return parsed && typeof parsed === "object" && parsed.repo?.target && parsed.options ? [parsed as ScanRequest] : [];
    } catch {
      return [];
    }
  });
}

/**
 * The one scan answering `requests` (oldest first, at least one): the newest request's repository and config, the union
 * of the fingerprints to open again, every break-glass declaration and resolved incident (each once).
 */
export function mergeRequests(requests: readonly ScanRequest[]): MergedScan {
  const newest = requests.at(-1);
  if (!newest) throw new Error("no scan request to merge");
  const breakGlass = new Map<string, BreakGlassDeclaration>();
  for (const request of requests) for (const declaration of request.options.breakGlass ?? []) breakGlass.set(JSON.stringify(declaration), declaration);
  return {
    repo: newest.repo,
    reopen: [...new Set(requests.flatMap((r) => r.options.reopen ?? []))],
    breakGlass: [...breakGlass.values()],
    resolvedIncidents: [...new Set(requests.flatMap((r) => r.options.resolvedIncidents ?? []))],
    align: mergeAlign(requests.flatMap((r) => r.options.align ?? [])),
    requests: requests.length,
  };
}

/** Alignment requests, each key and reply target once (a redelivered command asks once). */
export function mergeAlign(asks: readonly AlignAsk[]): AlignAsk[] {
  const seen = new Map<string, AlignAsk>();
  for (const ask of asks) seen.set(`${alignRequestKey(ask)}#${ask.reply?.issue ?? ""}`, ask);
  return [...seen.values()];
}
