import picomatch from "picomatch";
import { RE2JS } from "re2js";

/** Attribute-name globs masked by default, on top of whatever a repo adds (`mask.attributes`). */
export const DEFAULT_MASKED_ATTRIBUTES = ["*password*", "*secret*", "*token*", "*private_key*", "*access_key*"];
/** Value patterns masked by default: cloud keys and tokens a provider may not mark sensitive (`mask.values` adds more). */
export const DEFAULT_MASKED_VALUES = [
  "AKIA[0-9A-Z]{16}",
  "gh[pousr]_[A-Za-z0-9]{36,}",
  "github_pat_[A-Za-z0-9_]{22,}",
  "xox[abprs]-[A-Za-z0-9-]{10,}",
  "-----BEGIN [A-Z ]*PRIVATE KEY-----",
];

export interface MaskRules {
  /** Attribute-name globs (case-insensitive), added to the defaults. */
  attributes?: readonly string[];
  /** Regular expressions for string values, added to the defaults. */
  values?: readonly string[];
}

export const SENSITIVE_PLACEHOLDER = "(sensitive value)";
const SCRUBBED = "***";

/**
 * The longest string value a pattern runs over. A longer one is hidden whole: it could not be shown in a
 * comment (65,536 characters) anyway, and the time spent on every value stays bounded.
 */
export const MAX_MATCHED_VALUE = 65_536;
/** The most of a free text (terraform's output) that is scrubbed and kept: its end, where the errors are. */
export const MAX_SCRUBBED_TEXT = 1_048_576;

/**
 * Why a `mask.values` pattern cannot be used, or undefined when it can. Patterns run on RE2's linear-time
 * engine (re2js, pure JavaScript): a repository's pattern runs over values that a cloud user or a PR author
 * chooses, on the event loop every installation shares, so a backtracking engine would let `(a+)+$` stall
 * the App (28 characters: 6.6 s with JavaScript's RegExp). RE2 has no lookaround and no backreferences.
 */
export function maskPatternProblem(source: string): string | undefined {
  try {
    RE2JS.compile(source);
    return undefined;
  } catch (error) {
    return `${(error as Error).message} (RE2 syntax: no lookahead, lookbehind or backreferences)`;
  }
}

function compilePattern(source: string): RE2JS {
  try {
    return RE2JS.compile(source);
  } catch (error) {
    throw new Error(`mask pattern ${JSON.stringify(source.slice(0, 200))} is not usable: ${maskPatternProblem(source) ?? (error as Error).message}`, { cause: error });
  }
}

/**
 * Decides what must never be shown: attribute names that look secret, values that look like
 * credentials, and any clear-text value the plan itself marked sensitive (collected with `remember`).
 */
export class Masker {
  private readonly keyMatchers: ((name: string) => boolean)[];
  private readonly valuePatterns: RE2JS[];
  private readonly keyCache = new Map<string, boolean>();
  private readonly knownSecrets = new Set<string>();

  constructor(rules: MaskRules = {}) {
    const globs = [...DEFAULT_MASKED_ATTRIBUTES, ...(rules.attributes ?? [])];
    this.keyMatchers = globs.map((glob) => picomatch(glob, { nocase: true, dot: true }));
    this.valuePatterns = [...DEFAULT_MASKED_VALUES, ...(rules.values ?? [])].map(compilePattern);
  }

  isMaskedKey(key: string): boolean {
    let masked = this.keyCache.get(key);
    if (masked === undefined) {
      // picomatch treats "/" as a separator; attribute and map keys are flat names
      const flat = key.replaceAll("/", "_");
      masked = this.keyMatchers.some((match) => match(flat));
      this.keyCache.set(key, masked);
    }
    return masked;
  }

  /** An attribute path (`env.DB_PASSWORD`, `["odd key"].token`) is masked when it, or its last key, matches. */
  isMaskedPath(path: string): boolean {
    return this.isMaskedKey(path) || this.isMaskedKey(path.split(/[.[\]"]+/).filter(Boolean).at(-1) ?? path);
  }

  /** True when a value pattern matches anywhere in `value`; a value over MAX_MATCHED_VALUE characters is hidden unread. */
  isMaskedValue(value: string): boolean {
    if (value.length > MAX_MATCHED_VALUE) return true;
    return this.valuePatterns.some((pattern) => pattern.matcher(value).find());
  }

  /** Remembers a clear-text secret so it is scrubbed from free text (error output) too. */
  remember(value: unknown): void {
    if (typeof value === "string" && value.length >= 6) this.knownSecrets.add(value);
    else if (Array.isArray(value)) value.forEach((v) => this.remember(v));
    else if (value && typeof value === "object") Object.values(value).forEach((v) => this.remember(v));
  }

  /** Removes credentials and remembered secrets from free text such as terraform's stderr. */
  /** Longer texts keep their last MAX_SCRUBBED_TEXT characters from a line start, after a line saying how much was cut. */
  scrubText(text: string): string {
    let out = text;
    if (out.length > MAX_SCRUBBED_TEXT) {
      const tail = out.slice(out.length - MAX_SCRUBBED_TEXT);
      const lineStart = tail.indexOf("\n");
      const kept = lineStart >= 0 ? tail.slice(lineStart + 1) : "";
      out = `(${out.length - kept.length} earlier characters not shown)\n${kept}`;
    }
    for (const secret of this.knownSecrets) out = out.split(secret).join(SCRUBBED);
    for (const pattern of this.valuePatterns) out = pattern.matcher(out).replaceAll(SCRUBBED);
    return out;
  }
}
