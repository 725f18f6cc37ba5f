import picomatch from "picomatch";

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
 * Decides what must never be shown: attribute names that look secret, values that look like
 * credentials, and any clear-text value the plan itself marked sensitive (collected with `remember`).
 */
export class Masker {
  private readonly keyMatchers: ((name: string) => boolean)[];
  private readonly valuePatterns: RegExp[];
  private readonly keyCache = new Map<string, boolean>();
  private readonly knownSecrets = new Set<string>();

  constructor(rules: MaskRules = {}) {
    const globs = [...DEFAULT_MASKED_ATTRIBUTES, ...(rules.attributes ?? [])];
    this.keyMatchers = globs.map((glob) => picomatch(glob, { nocase: true, dot: true }));
    this.valuePatterns = [...DEFAULT_MASKED_VALUES, ...(rules.values ?? [])].map((source) => new RegExp(source));
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

  isMaskedValue(value: string): boolean {
    return this.valuePatterns.some((pattern) => pattern.test(value));
  }

  /** Remembers a clear-text secret so it is scrubbed from free text (error output) too. */
  remember(value: unknown): void {
    if (typeof value === "string" && value.length >= 6) this.knownSecrets.add(value);
    else if (Array.isArray(value)) value.forEach((v) => this.remember(v));
    else if (value && typeof value === "object") Object.values(value).forEach((v) => this.remember(v));
  }

  /** Removes credentials and remembered secrets from free text such as terraform's stderr. */
  scrubText(text: string): string {
    let out = text;
    for (const secret of this.knownSecrets) out = out.split(secret).join(SCRUBBED);
    for (const pattern of this.valuePatterns) out = out.replace(new RegExp(pattern.source, "g"), SCRUBBED);
    return out;
  }
}
