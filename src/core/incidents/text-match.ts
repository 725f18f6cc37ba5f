/**
 * Whole-token matching of identifiers in free text, case-insensitive: `INC-12` is not in "INC-123",
 * `sg-0abc` is not in "sg-0abc-2", but `sg-0abc` is in "…:security-group/sg-0abc." (an ARN and a
 * sentence end are boundaries).
 */

const WORD_CHAR = /[\p{L}\p{N}_]/u;
/** Characters that join two word runs into one identifier (`sg-0abc`, `db.example.com`). */
const JOINERS = new Set(["-", "."]);
/** ASCII word characters by code, so tokenising megabytes of incident text avoids a Unicode regex per character. */
const ASCII_WORD = Array.from({ length: 128 }, (_, code) => /[A-Za-z0-9_]/.test(String.fromCharCode(code)));

const isWord = (char: string | undefined) => char !== undefined && (char.charCodeAt(0) < 128 ? ASCII_WORD[char.charCodeAt(0)]! : WORD_CHAR.test(char));

/** Calls `visit` with each run of word characters (letters, digits, `_`) of a lower-cased text, in order. */
export function forEachAtom(lowerText: string, visit: (atom: string) => void): void {
  let start = -1;
  for (let at = 0; at < lowerText.length; at++) {
    const code = lowerText.charCodeAt(at);
    const word = code < 128 ? ASCII_WORD[code]! : WORD_CHAR.test(lowerText[at]!);
    if (word) {
      if (start === -1) start = at;
    } else if (start !== -1) {
      visit(lowerText.slice(start, at));
      start = -1;
    }
  }
  if (start !== -1) visit(lowerText.slice(start));
}

/** The lower-cased word runs of a text, each once, in order of first appearance. */
export function atomsOf(lowerText: string): string[] {
  const atoms = new Set<string>();
  forEachAtom(lowerText, (atom) => atoms.add(atom));
  return [...atoms];
}

/** True when `needle` occurs in `haystack` (both lower-cased) as a whole token, not inside a longer identifier. */
export function containsWholeToken(haystack: string, needle: string): boolean {
  if (needle.length === 0) return false;
  const checkStart = isWord(needle[0]);
  const checkEnd = isWord(needle[needle.length - 1]);
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    if (checkStart && !isBoundaryBefore(haystack, at)) continue;
    if (checkEnd && !isBoundaryAfter(haystack, at + needle.length)) continue;
    return true;
  }
  return false;
}

function isBoundaryBefore(text: string, at: number): boolean {
  const prev = text[at - 1];
  if (prev === undefined) return true;
  if (isWord(prev)) return false;
  return !(JOINERS.has(prev) && isWord(text[at - 2]));
}

function isBoundaryAfter(text: string, end: number): boolean {
  const next = text[end];
  if (next === undefined) return true;
  if (isWord(next)) return false;
  // "sg-0abc." ends a sentence; "sg-0abc.internal" is another name
  return !(JOINERS.has(next) && isWord(text[end + 1]));
}

/**
 * Values too common to mean anything: they appear in most incident texts by chance, so a mention
 * would link unrelated incidents. Booleans, toggles and protocol words are the usual drifted values
 * (shorter words such as "yes" or "tcp" are already below the length floor).
 */
const COMMON_VALUES = new Set([
  "true", "false", "null", "none", "undefined", "enabled", "disabled", "enable", "disable",
  "default", "auto", "allow", "deny", "public", "private", "active", "inactive", "unknown",
  "latest", "main", "master", "http", "https", "icmp", "ingress", "egress", "read", "write",
]);
const NUMBER = /^[-+]?\d+(\.\d+)?$/;
const PLAIN_WORD = /^\p{L}+$/u;
/** Shorter needles (and numbers below this) match by chance; a port like 8443 or an account id is specific. */
const MIN_LENGTH = 4;
const MIN_NUMBER = 1000;
/** A long document (a policy JSON) never appears verbatim in an incident; searching it only costs time. */
const MAX_LENGTH = 200;

/** Whether a string is specific enough to count as a mention when an incident contains it. */
export function isMeaningfulNeedle(value: string): boolean {
  const text = value.trim().toLowerCase();
  if (text.length < MIN_LENGTH || text.length > MAX_LENGTH) return false;
  if (COMMON_VALUES.has(text)) return false;
  if (NUMBER.test(text) && Math.abs(Number(text)) < MIN_NUMBER) return false;
  return WORD_CHAR.test(text);
}

/**
 * Whether a value names itself wherever an incident writes it: meaningful and shaped like an
 * identifier (a digit, a dot, a dash, a slash: `t3.large`, `10.0.0.0/8`, `8443`). A plain word
 * (`debug`, `standard`) is prose until it stands next to its setting ("LOG_LEVEL to debug").
 */
export function isDistinctiveValue(value: string): boolean {
  return isMeaningfulNeedle(value) && !PLAIN_WORD.test(value.trim());
}

/** True for values too common to mean anything on their own (booleans, toggles, protocol words). */
export const isCommonValue = (lower: string) => COMMON_VALUES.has(lower);

/** A word of a line: a run of letters and digits, with where it starts and ends. */
export interface Word {
  text: string;
  start: number;
  end: number;
}

/**
 * The words of a lower-cased line: runs of letters and digits. Unlike atoms, `_` separates words
 * here, so `db_timeout`, `DB-timeout` and "db timeout" all read as the words db, timeout.
 */
export function wordsOf(lowerLine: string): Word[] {
  const words: Word[] = [];
  let start = -1;
  for (let at = 0; at <= lowerLine.length; at++) {
    const char = lowerLine[at];
    const word = char !== undefined && char !== "_" && isWord(char);
    if (word && start === -1) start = at;
    else if (!word && start !== -1) {
      words.push({ text: lowerLine.slice(start, at), start, end: at });
      start = -1;
    }
  }
  return words;
}

/** Every index where `needle` occurs in `haystack` (both lower-cased) as a whole token (see containsWholeToken). */
export function wholeTokenPositions(haystack: string, needle: string): number[] {
  const found: number[] = [];
  if (needle.length === 0) return found;
  const checkStart = isWord(needle[0]);
  const checkEnd = isWord(needle[needle.length - 1]);
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    if (checkStart && !isBoundaryBefore(haystack, at)) continue;
    if (checkEnd && !isBoundaryAfter(haystack, at + needle.length)) continue;
    found.push(at);
  }
  return found;
}
