import type { FollowUpRequest } from "../../ports.js";
import { IncidentSourceError } from "./errors.js";

/** Every follow-up marker starts with this, so driftback's own comments and notes are never read back as incident evidence. */
export const FOLLOW_UP_MARKER_PREFIX = "driftback:";

const MARKER = /^driftback:[A-Za-z0-9._/:-]{1,100}$/;

/** A marker travels inside an HTML comment, a JQL-free ADF text node and a plain-text note: keep it to a safe alphabet. */
export function checkMarker(marker: string, action: string): void {
  if (!MARKER.test(marker)) {
    throw new IncidentSourceError("rejected", `Could not ${action}: the follow-up marker must be "driftback:" followed by up to 100 letters, digits or ._/:- characters.`);
  }
}

/** The marker as written: with its seal when the request has one. */
export function followUpTag(followUp: Pick<FollowUpRequest, "marker" | "seals">): string {
  const seal = followUp.seals?.[0];
  return seal ? `${followUp.marker} seal:${seal}` : followUp.marker;
}

/** Whether a comment or note is driftback's follow-up for this request: sealed by one of the keys, or (no key) marked. */
export function isOwnFollowUp(text: string | null | undefined, followUp: Pick<FollowUpRequest, "marker" | "seals">): boolean {
  if (typeof text !== "string") return false;
  if (followUp.seals && followUp.seals.length > 0) return followUp.seals.some((seal) => text.includes(`${followUp.marker} seal:${seal}`));
  return text.includes(followUp.marker);
}

/** Comments, notes and updates written by people: driftback's own follow-ups (they name resources too) are left out of the evidence. */
export function writtenByPeople(texts: readonly (string | null | undefined)[]): string[] {
  return texts.filter((text): text is string => typeof text === "string" && text.trim() !== "" && !text.includes(FOLLOW_UP_MARKER_PREFIX));
}

export function joinText(parts: readonly (string | null | undefined)[]): string {
  return parts.filter((part): part is string => typeof part === "string" && part.trim() !== "").join("\n\n");
}

/** Line endings and trailing space do not make a follow-up different. */
export function sameText(a: string, b: string): boolean {
  const normal = (text: string) => text.replace(/\r\n?/g, "\n").replace(/[ \t]+$/gm, "").trim();
  return normal(a) === normal(b);
}

/** Markdown for a tracker that shows plain text (PagerDuty notes): links become "text (url)", emphasis and task boxes plain. */
export function markdownToPlainText(markdown: string): string {
  return markdown
    .replace(/\r\n?/g, "\n")
    .replace(/^(\s*)[-*] \[( |x|X)\] /gm, (_m, indent: string, box: string) => `${indent}- ${box === " " ? "[ ]" : "[x]"} `)
    .replace(/\[([^\]\n]+)\]\((\S+?)\)/g, "$1 ($2)")
    .replace(/\*\*([^*\n]+)\*\*/g, "$1")
    .replace(/`([^`\n]+)`/g, "$1")
    .replace(/^#{1,6} /gm, "")
    .trim();
}
