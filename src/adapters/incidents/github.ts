import type { ProbotOctokit } from "probot";
import { z } from "zod";
import type { FollowUpRequest, FollowUpResult, Incident, IncidentEventKind, IncidentSource, IncidentWindow, WebhookHeaders, WebhookVerification } from "../../ports.js";
import { errorForStatus, IncidentSourceError, safeWords, trackerMessage, type TrackerHints } from "./errors.js";
import { checkMarker, followUpTag, isOwnFollowUp, joinText, sameText, writtenByPeople } from "./follow-up.js";
import { fetchWithin, formatSeconds, isTimeout } from "./http.js";
import { bodyText, header, parseJsonObject, quoteId, RecentDeliveries, duplicate, reject } from "./webhook.js";
import { checkWindow, isoTime, mergeIncidents, openDuring } from "./window.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * Incidents as GitHub issues of one repository carrying a label (default `incident`), read and written with the App's
 * installation token (the caller's Octokit). A closed issue is a resolved incident (`closed_at`); a `service:<name>`
 * label names its service. The follow-up is one comment found by a hidden `<!-- marker -->` and edited in place.
 * Webhooks: GitHub's own `issues` deliveries are verified by Probot (X-Hub-Signature-256) before they reach driftback,
 * so `verifyWebhook` only maps the payload and refuses a replayed X-GitHub-Delivery.
 */
export interface GitHubIssuesOptions {
  octokit: Octokit;
  /** owner/name */
  repo: string;
  label?: string;
  /** Bounds each request (its headers and its body). */
  timeoutMs?: number;
  recentDeliveries?: RecentDeliveries;
  now?: () => number;
}

const GITHUB_COMMENT_LIMIT = 65_536;

const labelSchema = z.union([z.string(), z.object({ name: z.string().nullish() })]);
const issueSchema = z.object({
  number: z.number(),
  title: z.string(),
  body: z.string().nullish(),
  html_url: z.string(),
  state: z.string(),
  created_at: z.string(),
  closed_at: z.string().nullish(),
  labels: z.array(labelSchema).default([]),
  pull_request: z.unknown().optional(),
});
type GitHubIssue = z.output<typeof issueSchema>;
const commentSchema = z.object({ id: z.number(), body: z.string().nullish(), html_url: z.string(), user: z.object({ type: z.string() }).nullish() });

export class GitHubIssuesIncidentSource implements IncidentSource {
  readonly name = "github" as const;
  private readonly owner: string;
  private readonly repoName: string;
  private readonly label: string;
  private readonly hints: TrackerHints;
  private readonly recent: RecentDeliveries;

  constructor(private readonly options: GitHubIssuesOptions) {
    const [owner, repo] = options.repo.split("/");
    if (!owner || !repo) throw new IncidentSourceError("rejected", `incidents.github.repo must be "owner/name", not "${quoteId(options.repo)}".`);
    this.owner = owner;
    this.repoName = repo;
    this.label = options.label ?? "incident";
    this.recent = options.recentDeliveries ?? new RecentDeliveries();
    this.hints = {
      tracker: "GitHub",
      unauthorized: "the App's installation token was refused; check the App's installation",
      forbidden: `install the App on ${options.repo} with Issues read and write access`,
    };
  }

  private get ref() {
    return { owner: this.owner, repo: this.repoName };
  }

  /** Each request bounded (headers and body); a 2xx answer that is not JSON stops here, before Octokit's paginator reads it. */
  private request() {
    const bounded = fetchWithin(this.options.timeoutMs ?? 10_000);
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const response = await bounded(input, init);
      if (!response.ok || response.status === 204) return response;
      const text = await response.text();
      try {
        JSON.parse(text);
      } catch {
        throw new UnreadableAnswer(`was not valid JSON (${safeWords(response.headers.get("content-type") ?? "no content type", []) ?? "no content type"})`);
      }
      return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
    return { fetch };
  }

  async listIncidents(window: IncidentWindow): Promise<Incident[]> {
    const action = `list the incident issues of ${this.options.repo}`;
    checkWindow(window, action);
    return this.call(action, async () => {
      const list = (extra: { state: "all" | "open"; since?: string }) =>
        this.allPages("GET /repos/{owner}/{repo}/issues", { ...this.ref, labels: this.label, ...extra });
      // touched since the window began (opened, closed or commented in it), then those still open however old
      const touched = await list({ state: "all", since: window.since.toISOString() });
      const open = await list({ state: "open" });
      const issues = z.array(issueSchema).parse([...touched, ...open]);
      const incidents = issues.filter((issue) => issue.pull_request === undefined).map((issue) => this.toIncident(issue, [], action));
      return mergeIncidents(incidents).filter((incident) => openDuring(incident, window));
    });
  }

  async getIncident(key: string): Promise<Incident | undefined> {
    const number = this.issueNumber(key);
    const action = `read incident issue ${quoteId(key)}`;
    try {
      return await this.call(action, async () => {
        const { data } = await this.octokit.rest.issues.get({ ...this.ref, issue_number: number, request: this.request() });
        const issue = issueSchema.parse(data);
        if (issue.pull_request !== undefined) return undefined;
        const comments = z.array(commentSchema).parse(await this.allPages("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...this.ref, issue_number: number }));
        return this.toIncident(issue, comments.map((comment) => comment.body), action);
      });
    } catch (error) {
      // 410: the issue was deleted
      if (error instanceof IncidentSourceError && (error.kind === "not-found" || error.kind === "gone")) return undefined;
      throw error;
    }
  }

  private toIncident(issue: GitHubIssue, comments: (string | null | undefined)[], action: string): Incident {
    const labels = issue.labels.map((label) => (typeof label === "string" ? label : (label.name ?? "")));
    const service = labels.find((label) => label.startsWith("service:"))?.slice("service:".length).trim();
    const closed = issue.state === "closed";
    return {
      key: `${this.owner}/${this.repoName}#${issue.number}`,
      title: issue.title,
      url: issue.html_url,
      status: closed ? "resolved" : "open",
      openedAt: isoTime(issue.created_at, action, "GitHub"),
      resolvedAt: closed && issue.closed_at ? isoTime(issue.closed_at, action, "GitHub") : null,
      text: joinText([issue.title, issue.body, ...writtenByPeople(comments)]),
      ...(service ? { service } : {}),
      source: "github",
    };
  }

  async upsertFollowUp(key: string, followUp: FollowUpRequest): Promise<FollowUpResult> {
    const number = this.issueNumber(key);
    const action = `write the follow-up comment on incident issue ${quoteId(key)}`;
    checkMarker(followUp.marker, action);
    const body = `${followUp.body.trimEnd()}\n\n<!-- ${followUpTag(followUp)} -->\n`;
    if (body.length > GITHUB_COMMENT_LIMIT) {
      throw new IncidentSourceError("rejected", `Could not ${action}: the follow-up is ${body.length} characters, over GitHub's limit of ${GITHUB_COMMENT_LIMIT}.`);
    }
    return this.call(action, async () => {
      const comments = z.array(commentSchema).parse(await this.allPages("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...this.ref, issue_number: number }));
      // a sealed one is driftback's; an unsealed one from before seals is adopted (sealed by this edit) only from a bot
      const unsealed = `<!-- ${followUp.marker} -->`;
      const existing =
        comments.find((comment) => isOwnFollowUp(comment.body, followUp)) ??
        (followUp.seals?.length ? comments.find((comment) => comment.user?.type === "Bot" && comment.body?.includes(unsealed)) : undefined);
      if (existing) {
        if (followUp.mode === "append" || sameText(existing.body ?? "", body)) return { written: false, outcome: "unchanged", url: existing.html_url };
        const { data } = await this.octokit.rest.issues.updateComment({ ...this.ref, comment_id: existing.id, body, request: this.request() });
        return { written: true, outcome: "updated", url: commentSchema.parse(data).html_url };
      }
      const { data } = await this.octokit.rest.issues.createComment({ ...this.ref, issue_number: number, body, request: this.request() });
      return { written: true, outcome: "created", url: commentSchema.parse(data).html_url };
    });
  }

  verifyWebhook(headers: WebhookHeaders, rawBody: string | Uint8Array, now: Date): WebhookVerification {
    const name = header(headers, "x-github-event");
    const deliveryId = header(headers, "x-github-delivery");
    if (!name) return reject("the X-GitHub-Event header is missing");
    if (!deliveryId) return reject("the X-GitHub-Delivery header is missing");
    const payload = parseJsonObject(bodyText(rawBody));
    if (!payload) return reject("the delivery's body is not a JSON object");
    if (this.recent.checkAndRemember(`github:${deliveryId}`, now.getTime())) return duplicate(quoteId(deliveryId), "a replay or a redelivery");
    return { ok: true, event: { ...this.issueEvent(name, payload), deliveryId } };
  }

  private issueEvent(name: string, payload: Record<string, unknown>): { key: string | null; kind: IncidentEventKind } {
    const other = { key: null, kind: "other" as const };
    const repository = payload.repository as { full_name?: unknown } | undefined;
    const issue = payload.issue as { number?: unknown; labels?: unknown; pull_request?: unknown } | undefined;
    if (name !== "issues" || typeof issue?.number !== "number" || issue.pull_request !== undefined) return other;
    if (typeof repository?.full_name !== "string" || repository.full_name.toLowerCase() !== this.options.repo.toLowerCase()) return other;
    const labels = Array.isArray(issue.labels) ? issue.labels.map((label) => (typeof label === "object" && label !== null ? (label as { name?: unknown }).name : label)) : [];
    if (!labels.includes(this.label)) return other;
    const kinds: Record<string, IncidentEventKind> = { closed: "resolved", opened: "opened", reopened: "opened", labeled: "updated", edited: "updated", unlabeled: "updated" };
    const kind = kinds[String(payload.action)] ?? "other";
    return { key: `${this.owner}/${this.repoName}#${issue.number}`, kind };
  }

  /**
   * Every page of a list endpoint, following the `link` header's rel="next". Octokit's paginator is not used: it drops
   * per-request options (the bounded fetch) and crashes on an answer that is not JSON.
   */
  private async allPages(route: string, params: Record<string, unknown>): Promise<unknown[]> {
    const items: unknown[] = [];
    for (let page = 1; page <= 1000; page++) {
      const response = await this.octokit.request(route, { ...params, per_page: 100, page, request: this.request() });
      if (!Array.isArray(response.data)) throw new UnreadableAnswer("did not have the documented shape (a list was expected)");
      items.push(...response.data);
      if (!/<[^>]+>;\s*rel="next"/.test(String(response.headers.link ?? ""))) return items;
    }
    return items;
  }

  private get octokit(): Octokit {
    return this.options.octokit;
  }

  /** `acme/incidents#42`, `#42`, `42` or the issue's URL, in the configured repository only. */
  private issueNumber(key: string): number {
    const text = key.trim();
    const repo = this.options.repo.toLowerCase();
    const match = /^(?:([\w.-]+\/[\w.-]+))?#?(\d+)$/.exec(text) ?? /^https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\/issues\/(\d+)\/?$/.exec(text);
    if (!match || (match[1] !== undefined && match[1].toLowerCase() !== repo)) {
      throw new IncidentSourceError("rejected", `"${quoteId(key)}" is not an issue of ${this.options.repo}: give "${this.options.repo}#<number>", "#<number>" or the issue's URL.`);
    }
    return Number(match[2]);
  }

  /** Runs Octokit calls; whatever they throw (HTTP errors, timeouts, answers of the wrong shape) becomes one IncidentSourceError. */
  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.toError(error, action);
    }
  }

  private toError(error: unknown, action: string): IncidentSourceError {
    if (error instanceof IncidentSourceError) return error;
    if (error instanceof z.ZodError) {
      const where = error.issues[0]?.path.map(String).join(".");
      return new IncidentSourceError("malformed", `Could not ${action}: GitHub's answer did not have the documented shape${where ? ` (at ${safeWords(where, [])})` : ""}; driftback tries again on the next scan.`, { cause: error });
    }
    const cause = (error as { cause?: unknown } | null)?.cause;
    const unreadable = error instanceof UnreadableAnswer ? error : cause instanceof UnreadableAnswer ? cause : undefined;
    if (unreadable) return new IncidentSourceError("malformed", `Could not ${action}: GitHub's answer ${unreadable.detail}; driftback tries again on the next scan.`, { cause: error });
    if (isTimeout(error) || isTimeout(cause)) return new IncidentSourceError("timeout", `Could not ${action}: GitHub did not answer within ${formatSeconds(this.options.timeoutMs ?? 10_000)}; driftback tries again on the next scan.`, { cause: error });
    const http = error as { name?: unknown; status?: unknown; response?: { headers?: Record<string, string | number | undefined>; data?: unknown } };
    if (http?.name === "HttpError" && typeof http.status === "number") {
      if (!http.response) return new IncidentSourceError("unavailable", `Could not ${action}: GitHub could not be reached; driftback tries again on the next scan.`, { cause: error });
      const headers = http.response.headers ?? {};
      const said = safeWords(trackerMessage(http.response.data), []);
      // GitHub answers a used-up rate limit (primary or secondary) with 403
      const rateLimited = http.status === 403 && (String(headers["x-ratelimit-remaining"]) === "0" || /rate limit/i.test(said ?? ""));
      return errorForStatus(http.status, action, this.hints, { headers, nowMs: (this.options.now ?? Date.now)(), said, cause: error, rateLimited });
    }
    const message = safeWords((error as { message?: unknown } | null)?.message as string | undefined, []);
    return new IncidentSourceError("unavailable", `Could not ${action}: it failed unexpectedly (${message ?? "no message"}); driftback tries again on the next scan.`, { cause: error });
  }
}

/** A 2xx answer driftback cannot read: not JSON (an HTML sign-in page from a proxy, a cut-off body), or not a list. */
class UnreadableAnswer extends Error {
  constructor(readonly detail: string) {
    super(`GitHub's answer ${detail}`);
  }
}
