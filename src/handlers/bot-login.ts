import type { Probot } from "probot";

/**
 * The App's bot login, `<app-slug>[bot]`, from `GET /app` (as the App, not an installation):
 * asked once per process and kept; a failed ask is asked again next time. Pull requests and
 * commits by this login are driftback's own.
 */
export function appBotLogin(probot: Pick<Probot, "auth">): () => Promise<string> {
  let known: Promise<string> | undefined;
  return () => {
    known ??= (async () => {
      const octokit = await probot.auth();
      const { data } = await octokit.rest.apps.getAuthenticated();
      const slug = data && typeof data === "object" && "slug" in data ? data.slug : undefined;
      if (typeof slug !== "string" || !/^[a-z0-9][a-z0-9-]*$/i.test(slug)) throw new Error("GitHub's answer to GET /app has no usable slug; driftback cannot tell its own pull requests apart");
      return `${slug}[bot]`;
    })();
    known.catch(() => (known = undefined));
    return known;
  };
}
