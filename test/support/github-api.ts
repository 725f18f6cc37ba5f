import nock from "nock";

export const API = "https://api.github.com";

export interface Recorded {
  method: string;
  path: string;
  body: any;
}

/**
 * Named nock builders for the endpoints driftback uses, all recording what was sent. Each
 * builder can be persisted so background jobs may call it any number of times.
 */
export class GitHubApiMock {
  readonly requests: Recorded[] = [];
  readonly scope = nock(API);
  private nextId = 1000;

  private record(method: string, path: string, body: unknown) {
    this.requests.push({ method, path, body: typeof body === "string" && body ? safeJson(body) : body });
  }

  constructor() {
    // nock 15.0.0 hangs on reply functions that read the request body (the Node 20 pitfall in
    // DESIGN.md), so bodies are recorded from the scope's request event instead
    this.scope.on("request", (req: { method: string; url: string }, _interceptor: unknown, body: string) => {
      const path = new URL(req.url).pathname;
      if (req.method !== "GET" && !path.endsWith("/access_tokens")) this.record(req.method, path, body);
    });
  }

  private writes(method: "POST" | "PATCH", pattern: RegExp, status: number, reply: () => object) {
    this.scope
      .intercept((uri: string) => pattern.test(uri.split("?")[0]!), method)
      .reply(status, () => reply())
      .persist();
  }

  sent(method: string, pattern: RegExp): Recorded[] {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path));
  }

  installationToken(installationId: number, token = "ghs_installationtoken0123456789abcdef") {
    this.scope.post(`/app/installations/${installationId}/access_tokens`).reply(201, { token, expires_at: "2099-01-01T00:00:00Z", permissions: {} }).persist();
    return this;
  }

  config(owner: string, repo: string, yaml: string | null) {
    const route = this.scope.get(`/repos/${owner}/${repo}/contents/${encodeURIComponent(".github/driftback.yml")}`).query(true);
    if (yaml === null) route.reply(404, { message: "Not Found" }).persist();
    else route.reply(200, yaml, { "content-type": "application/vnd.github.raw; charset=utf-8" }).persist();
    if (yaml === null) {
      // the config plugin falls back to the owner's .github repository
      this.scope.get(`/repos/${owner}/.github/contents/${encodeURIComponent(".github/driftback.yml")}`).query(true).reply(404, { message: "Not Found" }).persist();
    }
    return this;
  }

  rootFile(owner: string, repo: string, file: string, content: string | null) {
    const route = this.scope.get(`/repos/${owner}/${repo}/contents/${encodeURIComponent(file)}`).query(true);
    if (content === null) route.reply(404, { message: "Not Found" }).persist();
    else route.reply(200, content, { "content-type": "application/vnd.github.raw; charset=utf-8" }).persist();
    return this;
  }

  changedFiles(owner: string, repo: string, number: number, files: string[]) {
    this.scope.get(`/repos/${owner}/${repo}/pulls/${number}/files`).query(true).reply(200, files.map((filename) => ({ filename, status: "modified" }))).persist();
    return this;
  }

  pullRequest(owner: string, repo: string, number: number, pr: () => object) {
    this.scope.get(`/repos/${owner}/${repo}/pulls/${number}`).reply(200, () => pr()).persist();
    return this;
  }

  comments(owner: string, repo: string, number: number, existing: () => object[] = () => []) {
    this.scope.get(`/repos/${owner}/${repo}/issues/${number}/comments`).query(true).reply(200, () => existing()).persist();
    this.writes("POST", new RegExp(`^/repos/${owner}/${repo}/issues/${number}/comments$`), 201, () => ({ id: this.nextId++, html_url: `https://github.com/${owner}/${repo}/pull/${number}#issuecomment-1` }));
    this.writes("PATCH", new RegExp(`^/repos/${owner}/${repo}/issues/comments/\\d+$`), 200, () => ({ id: 77, html_url: `https://github.com/${owner}/${repo}/pull/${number}#issuecomment-2` }));
    return this;
  }

  checkRuns(owner: string, repo: string, existing: (name: string) => object[] = () => []) {
    let lastUri = "";
    this.scope
      .get((uri: string) => {
        if (!new RegExp(`^/repos/${owner}/${repo}/commits/[0-9a-f]+/check-runs`).test(uri)) return false;
        lastUri = uri;
        return true;
      })
      .reply(200, () => {
        const runs = existing(new URL(lastUri, API).searchParams.get("check_name") ?? "");
        return { total_count: runs.length, check_runs: runs };
      })
      .persist();
    this.writes("POST", new RegExp(`^/repos/${owner}/${repo}/check-runs$`), 201, () => ({ id: this.nextId++ }));
    this.writes("PATCH", new RegExp(`^/repos/${owner}/${repo}/check-runs/\\d+$`), 200, () => ({}));
    return this;
  }

  installations(installations: { id: number; login: string }[]) {
    this.scope.get("/app/installations").query(true).reply(200, installations.map((i) => ({ id: i.id, account: { login: i.login } }))).persist();
    return this;
  }

  installationRepositories(repositories: { owner: string; name: string; cloneUrl: string; defaultBranch?: string; archived?: boolean }[]) {
    const body = {
      total_count: repositories.length,
      repositories: repositories.map((r) => ({ name: r.name, full_name: `${r.owner}/${r.name}`, owner: { login: r.owner }, clone_url: r.cloneUrl, default_branch: r.defaultBranch ?? "main", archived: r.archived ?? false, disabled: false })),
    };
    this.scope.get("/installation/repositories").query(true).reply(200, body).persist();
    return this;
  }

  /** A stateful dashboard: listing returns whatever the app last created or wrote. */
  dashboardIssues(owner: string, repo: string, number = 7, bot: { login: string; appId: number } = { login: "driftback[bot]", appId: 123 }) {
    const current = () => {
      const writes = this.requests.filter((r) => (r.method === "POST" && r.path === `/repos/${owner}/${repo}/issues`) || (r.method === "PATCH" && r.path === `/repos/${owner}/${repo}/issues/${number}`));
      const last = writes.at(-1);
      // opened by the App (issue 15): a dashboard is found only among its own issues
      return last ? [{ number, title: "Drift dashboard", body: last.body.body, labels: [{ name: "driftback" }], user: { login: bot.login, type: "Bot" }, performed_via_github_app: { id: bot.appId } }] : [];
    };
    this.scope.get(`/repos/${owner}/${repo}/issues`).query(true).reply(200, () => current()).persist();
    this.scope.post(`/repos/${owner}/${repo}/labels`).reply(201, { name: "driftback" }).persist();
    this.writes("POST", new RegExp(`^/repos/${owner}/${repo}/issues$`), 201, () => ({ number }));
    this.writes("PATCH", new RegExp(`^/repos/${owner}/${repo}/issues/${number}$`), 200, () => ({ number }));
    return this;
  }

  /**
   * driftback's labelled pull requests as GitHub's GraphQL answers the listing (a query: read, never recorded as a
   * write), and no `driftback/` branch yet (GET git/ref answers 404).
   */
  backportPullRequests(owner: string, repo: string, nodes: object[] = []) {
    const body = { data: { repository: { pullRequests: { pageInfo: { hasNextPage: false, endCursor: null }, nodes } } } };
    this.scope.post("/graphql", (b: { query?: string }) => Boolean(b.query?.includes("pullRequests("))).reply(200, body).persist();
    this.scope.get(new RegExp(`^/repos/${owner}/${repo}/git/ref/heads(/|%2F)driftback`)).reply(404, { message: "Not Found" }).persist();
    return this;
  }

  /** What changed something on GitHub: every non-GET but a GraphQL query. */
  changes(): Recorded[] {
    return this.requests.filter((r) => r.method !== "GET" && !(r.path === "/graphql" && typeof r.body?.query === "string" && /^\s*query\b/.test(r.body.query)));
  }

  permission(owner: string, repo: string, username: string, permission: "admin" | "write" | "read" | "none") {
    this.scope.get(`/repos/${owner}/${repo}/collaborators/${username}/permission`).reply(200, { permission, role_name: permission, user: { login: username } }).persist();
    return this;
  }

  reactions(owner: string, repo: string) {
    this.writes("POST", new RegExp(`^/repos/${owner}/${repo}/issues/comments/\\d+/reactions$`), 201, () => ({ id: 1 }));
    return this;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
