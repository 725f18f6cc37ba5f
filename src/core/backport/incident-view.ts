import { escapeForOneLine } from "../printable.js";
import type { Masker } from "../render/mask.js";
import type { PlanIncident } from "./plan.js";
import type { IncidentRecordView, IncidentSectionView } from "./view-types.js";

export type { IncidentRecordView, IncidentSectionView } from "./view-types.js";

const TITLE_MAX = 120;
const KEY_MAX = 100;

/** What the body says about the incident; an empty section (nothing looked up, nothing linked) says none was found. */
export function incidentSectionView(incident: PlanIncident | undefined, masker: Masker): IncidentSectionView {
  const linked = incident?.linked;
  return {
    linked: linked
      ? {
          key: plain(linked.link.key, masker, KEY_MAX),
          url: safeUrl(linked.link.url),
          title: linked.title ? markdownText(linked.title, masker) : null,
          status: linked.status ?? null,
          pinned: linked.link.pinned === true,
          kept: linked.kept === true,
          confidence: linked.confidence === undefined ? null : linked.confidence.toFixed(2),
          evidence: linked.evidence.map((sentence) => markdownText(sentence, masker, 400)),
        }
      : null,
    candidates: (incident?.candidates ?? []).map((c) => ({ key: plain(c.key, masker, KEY_MAX), url: safeUrl(c.url), title: c.title ? markdownText(c.title, masker) : null, confidence: c.confidence.toFixed(2), evidence: (c.evidence ?? []).map((sentence) => markdownText(sentence, masker, 400)) })),
    failures: (incident?.failures ?? []).map((reason) => plain(reason, masker, 300).replace(/\.+$/, "")),
  };
}

export function incidentRecordView(incident: PlanIncident | undefined, masker: Masker): IncidentRecordView | null {
  const link = incident?.linked?.link;
  return link ? { key: plain(link.key, masker, KEY_MAX), url: safeUrl(link.url) } : null;
}

/** One line, control characters escaped, masked, bounded. */
function plain(text: string, masker: Masker, max: number): string {
  const line = escapeForOneLine(masker.scrubText(text));
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * Text from an incident tracker, one line and bounded; the template's markdown escaper
 * (render/escape-markdown.ts) makes links, images, emphasis, code and mentions inert.
 */
function markdownText(text: string, masker: Masker, max = TITLE_MAX): string {
  return plain(text, masker, max);
}

/** A link only to an http(s) address; parentheses encoded so the markdown link cannot end early. */
function safeUrl(url: string | undefined | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
    if (parsed.username || parsed.password) return null;
    return parsed.href.replace(/\(/g, "%28").replace(/\)/g, "%29");
  } catch {
    return null;
  }
}
