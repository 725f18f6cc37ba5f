import { createHash } from "node:crypto";
import path from "node:path";
import type { PluginCacheScope } from "../../ports.js";

/**
 * Where a run's plugin cache lives under the cache root. `init` writes providers there (and a repository can
 * make it install one from its own `terraform.d/plugins`), and later runs of the same scope execute them: so
 * reviewed code (a default branch, driftback's edit of it) shares one cache per owner, a pull request's code
 * gets its repository's own, and nothing one owner or one pull request installs is executed by another's run.
 * Without a scope (the CLI on an operator's machine) one local cache.
 */
export function pluginCacheDirFor(root: string, scope: PluginCacheScope | undefined): string {
  if (!scope) return path.join(root, "local");
  const owner = segment(scope.owner);
  return scope.code === "reviewed" ? path.join(root, owner, "reviewed") : path.join(root, owner, "pull-requests", segment(scope.repo));
}

/** A GitHub name as one directory name: itself when plainly safe, else a hash (never `..`, a slash or a hidden name). */
function segment(name: string): string {
  const lower = name.toLowerCase();
  return /^[a-z0-9][a-z0-9._-]{0,99}$/.test(lower) ? lower : `h-${createHash("sha256").update(name).digest("hex").slice(0, 16)}`;
}
