import { parseAttributePath } from "../hcl/address.js";
import { printable } from "../printable.js";
import type { Word } from "./text-match.js";

/**
 * The changed setting as responders name it. A path's last named step is the setting
 * (`env.DB_TIMEOUT` -> DB_TIMEOUT, `spec[0].replicas` -> replicas); its words are what a person
 * types: `DB_TIMEOUT`, `db_timeout`, `DB-timeout`, "db timeout" and `dbTimeout` all read
 * db, timeout. A plural `s` is not a difference (replica/replicas, cidr block/cidr_blocks).
 */
export interface Setting {
  /** As the plan names it, for sentences: `DB_TIMEOUT`. */
  shown: string;
  /** Its words, lower-cased and without a plural `s`: [db, timeout]. */
  words: string[];
  /** Two words or more (DB_TIMEOUT, pool size, instance type) name it on their own; one word (replicas, image) only next to its value. */
  specific: boolean;
  /** The last word (timeout, size): next to a value with a unit ("bumped the timeout to 60s") it is enough. */
  head: string;
  /** A count (replicas, desired capacity): "scaled to 6" names it too. */
  countLike: boolean;
}

/** Words that say "the count changed" in responders' shorthand ("scaled api to 6"). */
export const SCALE_WORDS: ReadonlySet<string> = new Set(["scale", "scaled", "scaling", "rescaled"]);
/** Steps that hold a setting rather than name it (`env[1].value`): the step before names it. */
const HOLDERS = new Set(["value", "values", "data", "content"]);
/** Last words of count settings (replicas, desired_capacity, node_count, instance_count). */
const COUNT_HEADS = new Set(["replica", "capacity", "count"]);

/**
 * The settings a drift changed: the attribute path's last named step, plus names the drift item
 * knows otherwise (an env list entry's `name`). Whole resources (empty path) have none.
 */
export function settingsOf(attribute: string, extraNames: readonly string[] = []): Setting[] {
  const steps = attribute ? safeSteps(attribute) : [];
  const last = [...steps].reverse().find((step): step is string => typeof step === "string" && !HOLDERS.has(step.toLowerCase()));
  const settings = new Map<string, Setting>();
  for (const name of [...(last === undefined ? [] : [last]), ...extraNames]) {
    const words = splitName(name).map(stem);
    if (words.length === 0 || settings.has(words.join(" "))) continue;
    const head = words[words.length - 1]!;
    settings.set(words.join(" "), { shown: printable(name, 80), words, specific: words.length >= 2, head, countLike: COUNT_HEADS.has(head) });
  }
  return [...settings.values()];
}

/** `DB_TIMEOUT` -> [db, timeout]; `maxPoolSize` -> [max, pool, size]; `app.kubernetes.io/name` -> [app, kubernetes, io, name]. */
export function splitName(name: string): string[] {
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2");
  return spaced
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** replicas -> replica, blocks -> block; short words (ms, gbs) are left alone. */
export function stem(word: string): string {
  return word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word;
}

/** A span of a line: from the first character of a word to the end of another. */
export interface Span {
  start: number;
  end: number;
}

/**
 * Where a line's words spell the setting: all its words in a row, or one word that joins them
 * (`dbtimeout`, `maxpoolsize`) are `whole`; its last two words or more ("pool size" of
 * DB_POOL_SIZE) are a tail, which people write too but which alone could be another setting.
 */
export function settingSpans(words: readonly Word[], setting: Setting): (Span & { whole: boolean })[] {
  const spans: (Span & { whole: boolean })[] = [];
  const joined = setting.words.length > 1 ? setting.words.join("") : undefined;
  const stems = words.map((word) => stem(word.text));
  for (let at = 0; at < words.length; at++) {
    if (joined !== undefined && stems[at] === joined) {
      spans.push({ start: words[at]!.start, end: words[at]!.end, whole: true });
      continue;
    }
    // the longest run of the setting's words starting here that ends with its last word
    for (let from = 0; from < setting.words.length && (from === 0 || setting.words.length - from >= 2); from++) {
      const want = setting.words.slice(from);
      if (want.every((word, n) => stems[at + n] === word)) {
        spans.push({ start: words[at]!.start, end: words[at + want.length - 1]!.end, whole: from === 0 });
        break;
      }
    }
  }
  return spans;
}

/** Where a line has one of the given (stemmed) words. */
export function wordSpans(words: readonly Word[], wanted: ReadonlySet<string>): Span[] {
  return words.filter((word) => wanted.has(stem(word.text))).map((word) => ({ start: word.start, end: word.end }));
}

/** How many words stand between two spans of a line (0 when they touch or overlap); binary searches, as a pasted log can be one long line. */
export function wordsBetween(words: readonly Word[], a: Span, b: Span): number {
  const [first, second] = a.start <= b.start ? [a, b] : [b, a];
  return Math.max(0, firstStartingAt(words, second.start) - firstStartingAt(words, first.end));
}

/** The index of the first word that starts at or after `at` (the length when none). */
function firstStartingAt(words: readonly Word[], at: number): number {
  let lo = 0;
  let hi = words.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (words[mid]!.start < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A path that does not parse (it came from a plan) still names nothing rather than throwing. */
function safeSteps(attribute: string): (string | number)[] {
  try {
    return parseAttributePath(attribute);
  } catch {
    return [];
  }
}
