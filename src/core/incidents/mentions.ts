import { parseResourceAddress } from "../hcl/address.js";
import { printable } from "../printable.js";
import { forIncident, listed, openInterval, WEIGHTS, type Candidates, type Fact, type FactContext } from "./candidates.js";
import { changeCommandIn } from "./commands.js";
import type { IncidentIndex, IncidentLine } from "./incident-index.js";
import { SCALE_WORDS, settingsOf, settingSpans, splitName, stem, wordsBetween, wordSpans, type Setting, type Span } from "./settings.js";
import { containsWholeToken, isMeaningfulNeedle, wholeTokenPositions } from "./text-match.js";
import { touches, type Window } from "./time.js";
import type { DriftForCorrelation } from "./types.js";
import { valueFormsOf, type ValueForm } from "./value-forms.js";

/** A value this many words or fewer from its setting stands next to it ("DB_TIMEOUT from 10s to 60s", "replicas on api-server from 3 to 6"). */
const NEAR_WORDS = 6;
/** Occurrences of a setting or a value looked at per line: a pasted log line of thousands says no more. */
const MAX_PER_LINE = 100;
/** A cheap filter: an incident naming the resource is read line by line only when its text has one of these (a CLI's name). */
const CLI_WORDS = ["kubectl", "oc ", "aws ", "gcloud", "az "];

interface Needle {
  lower: string;
  shown: string;
}

/** What one incident's lines say about the change. */
interface Reading {
  /** A specific setting named in its own words. */
  setting?: Setting;
  /** A new value next to the setting, its last word, or a scale word: the anchor as the sentence shows it. */
  near?: { value: ValueForm; anchor: string; specific: boolean };
  alias?: { value: ValueForm; said: string };
  command?: { run: string; on: string };
}

/**
 * Mentions in titles and texts. The resource's names (id, ARN, name, address, the address's own
 * name such as api-server) are context: they say which resource, not that it changed. The changed
 * setting, its new value (see value-forms.ts for where each kind of value counts), a well-known
 * value in console wording and a change command on the resource are evidence about the change,
 * when the incident was open during the drift window. A value next to a word any resource's
 * setting could have (replicas, "the timeout", "scaled") counts only where the incident points at
 * this resource. Secrets are never matched.
 */
export function addMentionFacts(drift: DriftForCorrelation, window: Window, context: FactContext, candidates: Candidates): void {
  const { index, skewMs } = context;
  const { names: resources, serviceWords, nameWords } = resourceNeedles(drift, context.services);
  const named = new Set(resources.map((needle) => needle.lower));
  const values = drift.sensitive ? [] : valueFormsOf(drift.newValues).filter((value) => !named.has(value.needles[0]!));
  const settings = settingsOf(drift.attribute, drift.settingNames);
  const attribute = printable(drift.attribute || drift.address);

  const byResource = mentionedBy(index, resources);
  const byServiceWord = mentionedBy(index, serviceWords);
  const alone = values.filter((value) => value.tier === "alone");
  const byValue = mentionedBy(index, alone.map((value) => ({ lower: value.needles[0]!, shown: value.shown })));
  const readings = new Map<number, Reading>();
  for (const id of toRead(index, settings, values, byResource)) {
    const reading = readLines(index.linesOf(id), settings, values, resources);
    if (reading.setting || reading.near || reading.alias || reading.command) readings.set(id, reading);
  }

  for (const id of new Set([...byResource.keys(), ...byServiceWord.keys(), ...byValue.keys(), ...readings.keys()])) {
    const entry = forIncident(candidates, index, id);
    const inWindow = touches(openInterval(index.entries[id]!, window, skewMs), window);
    const fact = (weight: number, sentence: string): Fact => ({
      kind: "strong",
      weight: inWindow ? weight : WEIGHTS.strongOutsideWindow,
      ...(inWindow ? { change: true } : {}),
      describe: () => `${printable(entry.key)} ${sentence}${inWindow ? "" : ", but was not open during the drift window"}`,
    });
    const shown = byResource.get(id);
    if (shown) entry.facts.push({ ...fact(WEIGHTS.strong, `mentions ${listed(shown)}`), change: false });
    const words = shown ? undefined : byServiceWord.get(id);
    if (words) entry.facts.push({ ...fact(WEIGHTS.serviceWord, `names ${listed(words)}`), kind: "weak", change: false });
    const reading = readings.get(id) ?? {};
    // "replicas", "the timeout", "scaled" could be any resource's: they speak of this change when the incident points at this resource
    const service = index.entries[id]!.lowerService;
    const pointsHere = shown !== undefined || words !== undefined || (service !== null && nameWords.has(service));
    if (reading.setting) entry.facts.push(fact(WEIGHTS.setting, `names ${reading.setting.shown}, the setting that changed${reading.setting.shown === attribute ? "" : ` (${attribute})`}`));
    const valuesSaid = byValue.get(id);
    if (reading.near && (reading.near.specific || pointsHere)) entry.facts.push(fact(WEIGHTS.valueBySetting, `mentions ${reading.near.value.shown} next to ${reading.near.anchor}, the new value of ${attribute}`));
    else if (reading.near && !valuesSaid) entry.facts.push({ ...fact(WEIGHTS.valueUnplaced, `mentions ${reading.near.value.shown} next to ${reading.near.anchor}, the new value of ${attribute}, but not this resource`), change: false });
    else if (valuesSaid) entry.facts.push(fact(WEIGHTS.strong, `mentions ${listed(valuesSaid)}, the new value of ${attribute}`));
    else if (reading.alias) entry.facts.push(fact(WEIGHTS.valueAlias, `says ${reading.alias.said} (${reading.alias.value.shown}) beside the resource's name, the new value of ${attribute}`));
    if (reading.command) entry.facts.push(fact(WEIGHTS.command, `shows ${reading.command.run} run on ${reading.command.on}`));
  }
}

/**
 * The resource's names: live identities, the address, and the address's own name with `-` for
 * `_` when it is shaped like an identifier (`kubernetes_deployment.api_server` is "api-server" in
 * kubectl; `aws_security_group.admin` is just a word). Short names (under 4 characters) match by
 * chance, unless they are a configured service's name. Apart: words of a name that are a
 * configured service (`api` of api-server), which name the resource less surely ("scaled api").
 */
export function resourceNeedles(drift: DriftForCorrelation, services: ReadonlyMap<string, readonly string[]>): { names: Needle[]; serviceWords: Needle[]; nameWords: Set<string> } {
  const own = parseResourceAddress(drift.address)?.name;
  const ownNames = own && /[-_\d]/.test(own) ? [own, own.replaceAll("_", "-")] : [];
  const all = [...drift.identities, drift.address, ...ownNames].map((name) => name.trim());
  const names = new Map<string, Needle>();
  for (const name of all) {
    const lower = name.toLowerCase();
    if (names.has(lower) || !(isMeaningfulNeedle(name) || (lower.length > 0 && services.has(lower)))) continue;
    names.set(lower, { lower, shown: printable(name, 80) });
  }
  const serviceWords = new Map<string, Needle>();
  const nameWords = new Set<string>();
  // names only: an id like default/api-server, an ARN or the address is not split into words
  for (const name of all.filter((n) => n !== drift.address && !n.includes("/") && !n.includes(":"))) {
    nameWords.add(name.toLowerCase());
    for (const word of splitName(name)) {
      nameWords.add(word);
      if (services.has(word) && !names.has(word) && !serviceWords.has(word)) serviceWords.set(word, { lower: word, shown: `service ${printable(word, 40)} (of ${printable(name, 80)})` });
    }
  }
  return { names: [...names.values()], serviceWords: [...serviceWords.values()], nameWords };
}

/** Incident -> the needles it mentions as whole tokens, in needle order. */
function mentionedBy(index: IncidentIndex, needles: readonly Needle[]): Map<number, string[]> {
  const mentioned = new Map<number, string[]>();
  for (const needle of needles) {
    for (const id of index.mentioning(needle.lower)) {
      const list = mentioned.get(id);
      if (list) list.push(needle.shown);
      else mentioned.set(id, [needle.shown]);
    }
  }
  return mentioned;
}

/**
 * The incidents worth reading line by line: those with the setting's last word (or its words
 * joined), with a scale word when a count could stand next to it, and those naming the resource
 * where a line may hold a command or a value's console wording.
 */
function toRead(index: IncidentIndex, settings: readonly Setting[], values: readonly ValueForm[], byResource: ReadonlyMap<number, unknown>): Set<number> {
  const ids = new Set<number>();
  const add = (list: readonly number[]) => list.forEach((id) => ids.add(id));
  const withAny = (word: string) => [word, `${word}s`].flatMap((form) => index.withWord(form));
  for (const setting of settings) {
    // every spelling ends with the last word (whole, tail, head alone), except the joined one
    add(withAny(setting.head));
    if (setting.words.length > 1) add(index.withWord(setting.words.join("")));
    if (setting.countLike && values.length > 0) for (const word of SCALE_WORDS) add(index.withWord(word));
  }
  const aliases = values.flatMap((value) => value.aliases);
  for (const id of byResource.keys()) {
    const text = index.entries[id]!.lowerText;
    if (CLI_WORDS.some((word) => text.includes(word)) || aliases.some((alias) => text.includes(alias))) ids.add(id);
  }
  return ids;
}

/** Reads an incident's lines for the setting, a value next to it, console wording and change commands. */
function readLines(lines: readonly IncidentLine[], settings: readonly Setting[], values: readonly ValueForm[], resources: readonly Needle[]): Reading {
  const reading: Reading = {};
  for (const { text, words } of lines) {
    // full: a bare value may stand next to it; specific: it names this setting rather than any resource's
    const anchors: { span: Span; anchor: string; full: boolean; specific: boolean }[] = [];
    for (const setting of settings) {
      const spelled = settingSpans(words, setting);
      if (setting.specific && spelled.some((span) => span.whole)) reading.setting ??= setting;
      anchors.push(...spelled.map((span) => ({ span, anchor: setting.shown, full: true, specific: setting.specific })));
      if (setting.words.length > 1) anchors.push(...wordSpans(words, new Set([setting.head])).map((span) => ({ span, anchor: setting.head, full: false, specific: false })));
      if (setting.countLike) anchors.push(...wordSpans(words, SCALE_WORDS).map((span) => ({ span, anchor: "scaled", full: true, specific: false })));
    }
    anchors.sort((a, b) => Number(b.specific) - Number(a.specific));
    for (const value of reading.near?.specific ? [] : values) {
      const usable = anchors.filter((a) => a.full || value.tier !== "bare").slice(0, MAX_PER_LINE);
      if (usable.length === 0) continue;
      const spans = value.needles.flatMap((needle) => wholeTokenPositions(text, needle).map((start) => ({ start, end: start + needle.length }))).slice(0, MAX_PER_LINE);
      const hit = usable.find((a) => spans.some((span) => !overlaps(span, a.span) && wordsBetween(words, span, a.span) <= NEAR_WORDS));
      if (hit && !reading.near) reading.near = { value, anchor: hit.anchor, specific: hit.specific };
      else if (hit?.specific) reading.near = { value, anchor: hit.anchor, specific: true };
    }
    const on = reading.command && reading.alias ? undefined : resources.find((needle) => containsWholeToken(text, needle.lower));
    if (!on) continue;
    if (!reading.command) {
      const run = changeCommandIn(text);
      if (run) reading.command = { run, on: on.shown };
    }
    for (const value of reading.alias ? [] : values) {
      const said = value.aliases.find((alias) => containsWholeToken(text, alias));
      if (said) reading.alias = { value, said };
    }
  }
  return reading;
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

/**
 * Context beside a mention: the text names a configured service that runs in the drift's
 * workspace (`api`), or a part of the workspace's name (`eu` of prod-eu). Added only to incidents
 * that already have other evidence, so a service named in hundreds of incidents adds no candidates.
 */
export function addContextFacts(drift: DriftForCorrelation, { index, services }: FactContext, candidates: Candidates): void {
  const needles = resourceNeedles(drift, services);
  const named = new Set([...needles.names, ...needles.serviceWords].map((needle) => needle.lower));
  const here = [...services].filter(([service, workspaces]) => workspaces.includes(drift.workspace) && !named.has(service)).map(([service]) => service);
  const parts = splitName(drift.workspace).filter((part) => !GENERIC_WORKSPACE_WORDS.has(stem(part)));
  if (here.length === 0 && parts.length === 0) return;
  for (const entry of candidates.values()) {
    if (entry.id === null) continue;
    const indexed = index.entries[entry.id]!;
    const service = here.find((name) => name !== indexed.lowerService && containsWholeToken(indexed.lowerText, name));
    if (service) entry.facts.push({ kind: "weak", weight: WEIGHTS.serviceNamed, describe: () => `${printable(entry.key)} names service ${printable(service, 60)}, which runs in workspace ${printable(drift.workspace, 40)}` });
    const part = parts.find((word) => containsWholeToken(indexed.lowerText, word));
    if (part) entry.facts.push({ kind: "weak", weight: WEIGHTS.workspaceNamed, describe: () => `${printable(entry.key)} mentions ${printable(part, 40)}, as in workspace ${printable(drift.workspace, 40)}` });
  }
}

/** Parts of workspace names that every environment shares: they tell no region or tenant apart. */
const GENERIC_WORKSPACE_WORDS = new Set(["prod", "production", "staging", "stage", "stg", "dev", "development", "test", "qa", "default", "env", "live", "main", "infra", "workspace"]);
