import type { IncidentsConfig } from "../../config/schema.js";
import type { IncidentLink } from "./marker.js";

// `/driftback incident <url-or-key>` on a line of its own; the target is one token
const COMMAND = /^\/driftback\s+incident\s+(\S+)\s*$/m;
const MAX_TARGET = 300;
// printable, no quotes or angle brackets (it is shown in a body and stored in a marker)
const SAFE = /^[\x21-\x7e]+$/;
const UNSAFE_CHARS = /["'<>`\\]/;

/** The target of a `/driftback incident` comment, or undefined when the comment is something else. */
export function parseIncidentCommand(comment: string | null | undefined): { target: string } | undefined {
  const match = typeof comment === "string" ? COMMAND.exec(comment) : null;
  return match ? { target: match[1]! } : undefined;
}

export type IncidentTarget = { ok: true; link: IncidentLink } | { ok: false; reason: string };

/**
 * The pinned link a person's `/driftback incident <url-or-key>` asks for. A URL of a configured source
 * (the GitHub incident repository's issue, the Jira site's issue, a PagerDuty or incident.io incident)
 * becomes that source's key, so the follow-up reaches it; any other http(s) URL or key is `manual`.
 */
export function incidentLinkFor(target: string, incidents: Pick<IncidentsConfig, "github" | "jira" | "pagerduty" | "incident_io">): IncidentTarget {
  if (target.length > MAX_TARGET) return { ok: false, reason: `the incident must be a key or URL of at most ${MAX_TARGET} characters` };
  if (!SAFE.test(target) || UNSAFE_CHARS.test(target)) return { ok: false, reason: "the incident must be a key or URL without spaces, quotes, angle brackets or backslashes" };
  if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) return { ok: true, link: { key: target, source: "manual", pinned: true } };
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { ok: false, reason: "the incident URL does not parse" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "the incident URL must start with https://" };
  if (url.username || url.password) return { ok: false, reason: "the incident URL must not hold a user name or password" };
  const href = url.href;
  const host = url.hostname.toLowerCase();
  const parts = url.pathname.split("/").filter(Boolean);
  const pinned = (key: string, source: IncidentLink["source"]): IncidentTarget => ({ ok: true, link: { key, source, url: href, pinned: true } });

  if (incidents.github && host === "github.com" && parts.length === 4 && parts[2] === "issues" && /^\d+$/.test(parts[3]!)) {
    const repo = `${parts[0]}/${parts[1]}`;
    if (repo.toLowerCase() === incidents.github.repo.toLowerCase()) return pinned(`${incidents.github.repo}#${parts[3]}`, "github");
  }
  if (incidents.jira && (incidents.jira.site ? host === incidents.jira.site.toLowerCase() : host.endsWith(".atlassian.net")) && parts.length === 2 && parts[0] === "browse" && /^[A-Z][A-Z0-9_]*-\d+$/.test(parts[1]!)) return pinned(parts[1]!, "jira");
  if (incidents.pagerduty && host.endsWith(".pagerduty.com") && parts.length === 2 && parts[0] === "incidents" && /^[A-Z0-9]+$/.test(parts[1]!)) return pinned(parts[1]!, "pagerduty");
  if (incidents.incident_io && host === "app.incident.io" && parts.length === 3 && parts[1] === "incidents" && /^\d+$/.test(parts[2]!)) return pinned(`INC-${parts[2]}`, "incident_io");
  return { ok: true, link: { key: href, source: "manual", url: href, pinned: true } };
}

/** The marker with the person's incident pinned; the same marker when it already pins exactly that link. */
export function markerWithIncident<M extends { incident?: IncidentLink }>(marker: M, link: IncidentLink): M {
  const now = marker.incident;
  if (now && now.key === link.key && now.source === link.source && now.url === link.url && now.pinned === true) return marker;
  return { ...marker, incident: { ...link, pinned: true } };
}
