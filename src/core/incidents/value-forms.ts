import { printable } from "../printable.js";
import { isCommonValue, isDistinctiveValue } from "./text-match.js";

/**
 * How a new live value can be written in an incident, and where it counts:
 * - `alone`: shaped like an identifier (`t3.large`, `10.0.0.0/8`, `8443`): anywhere in the text;
 * - `unit`: a number with a unit (`60s`, `2Gi`): next to the setting or its last word ("the timeout to 60s");
 * - `bare`: a small number, a boolean or a plain word (`6`, `true`, `debug`): only next to the setting itself.
 */
export type ValueTier = "alone" | "unit" | "bare";

export interface ValueForm {
  /** As the plan has it, for sentences. */
  shown: string;
  tier: ValueTier;
  /** Lower-cased spellings searched as whole tokens: the value, and `60 s`, `60sec`, `60 seconds` for `60s`. */
  needles: string[];
  /** Words for a well-known value (AWS console wording): counted on a line that also names the resource. */
  aliases: readonly string[];
}

/** Spellings of one unit, the first being how terraform values usually write it. */
const UNIT_GROUPS: readonly (readonly string[])[] = [
  ["ms", "msec", "millisecond", "milliseconds"],
  ["s", "sec", "secs", "second", "seconds"],
  ["m", "min", "mins", "minute", "minutes"],
  ["h", "hr", "hrs", "hour", "hours"],
  ["d", "day", "days"],
  ["ki", "kib"],
  ["mi", "mib"],
  ["gi", "gib"],
  ["ti", "tib"],
  ["k", "kb"],
  ["g", "gb"],
  ["t", "tb"],
];
const UNIT_OF = new Map(UNIT_GROUPS.flatMap((group) => group.map((unit) => [unit, group] as const)));
/** `60s`, `2.5 GiB`: the value's own text, never an incident's. */
const NUMBER_WITH_UNIT = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/;

/** Well-known values and how consoles and people say them ("Anywhere-IPv4" is the AWS console's name for 0.0.0.0/0). */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  "0.0.0.0/0": ["anywhere-ipv4", "anywhere", "the world", "the internet", "everyone"],
  "::/0": ["anywhere-ipv6", "anywhere", "the world", "the internet", "everyone"],
};

/** The forms of each new value, once each (empty values name nothing). */
export function valueFormsOf(values: readonly string[]): ValueForm[] {
  const forms = new Map<string, ValueForm>();
  for (const value of values) {
    const lower = value.trim().toLowerCase();
    if (!lower || lower.length > 200 || forms.has(lower)) continue;
    forms.set(lower, formOf(value.trim(), lower));
  }
  return [...forms.values()];
}

function formOf(value: string, lower: string): ValueForm {
  const aliases = ALIASES[lower] ?? [];
  const shown = printable(value, 80);
  if (isDistinctiveValue(value)) return { shown, tier: "alone", needles: [lower], aliases };
  const unit = NUMBER_WITH_UNIT.exec(lower);
  const group = unit ? UNIT_OF.get(unit[2]!) : undefined;
  if (unit && group) {
    const needles = new Set([lower, ...group.flatMap((spelling) => [`${unit[1]}${spelling}`, `${unit[1]} ${spelling}`])]);
    return { shown, tier: "unit", needles: [...needles], aliases };
  }
  // a short token that is not a plain number, word or toggle (gp3, v2) is as good as a unit
  const tier = /^\p{L}+$/u.test(lower) || /^[-+]?\d+(\.\d+)?$/.test(lower) || isCommonValue(lower) ? "bare" : "unit";
  return { shown, tier, needles: [lower], aliases };
}
