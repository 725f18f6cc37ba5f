import { expect } from "vitest";

/**
 * Fails when markdown is structurally broken: a code fence left open, or <details> tags that do
 * not pair up outside code. This is what a cut in the wrong place would produce.
 */
export function expectWellFormedMarkdown(markdown: string): void {
  let openFence: string | undefined;
  let details = 0;
  for (const line of markdown.split("\n")) {
    const fence = /^(`{3,})/.exec(line)?.[1];
    if (openFence) {
      if (fence && fence.length >= openFence.length && line.trim() === fence) openFence = undefined;
      continue;
    }
    if (fence) {
      openFence = fence;
      continue;
    }
    details += (line.match(/<details[ >]/g) ?? []).length;
    details -= (line.match(/<\/details>/g) ?? []).length;
    expect(details, `</details> before <details> at: ${line}`).toBeGreaterThanOrEqual(0);
  }
  expect(openFence, "a code fence is left open").toBeUndefined();
  expect(details, "unbalanced <details>").toBe(0);
}

/**
 * Every clear-text string a plan marks sensitive, as the JSON literal a diff would show; strings
 * that also appear unmarked elsewhere in the plan (a sensitive "bar" beside a plain "bar") are
 * left out, since their presence proves nothing.
 */
export function sensitiveLiterals(plan: any): string[] {
  const found = new Set<string>();
  const plain = new Set<string>();
  const walk = (value: unknown, marks: unknown) => {
    if (marks === true) {
      collectLeaves(value, found);
      return;
    }
    if (value !== null && typeof value !== "object") {
      collectLeaves(value, plain);
      return;
    }
    if (value && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) walk(child, marks && typeof marks === "object" ? (marks as Record<string, unknown>)[key] : undefined);
    }
  };
  for (const rc of [...(plan.resource_changes ?? []), ...(plan.resource_drift ?? [])]) {
    walk(rc.change.before, rc.change.before_sensitive);
    walk(rc.change.after, rc.change.after_sensitive);
  }
  for (const out of Object.values<any>(plan.output_changes ?? {})) {
    if (out.before_sensitive === true || out.after_sensitive === true) {
      collectLeaves(out.before, found);
      collectLeaves(out.after, found);
    } else {
      walk(out.before, out.before_sensitive);
      walk(out.after, out.after_sensitive);
    }
  }
  return [...found].filter((literal) => !plain.has(literal));
}

function collectLeaves(value: unknown, into: Set<string>): void {
  if (value === null || value === undefined) return;
  if (typeof value === "string") into.add(JSON.stringify(value));
  else if (typeof value === "number" || typeof value === "boolean") return; // a bare 0 or true cannot be told from other text
  else Object.values(value as object).forEach((v) => collectLeaves(v, into));
}
