import { describe, expect, it } from "vitest";
import { changeCommandIn } from "../../../src/core/incidents/commands.js";
import { settingsOf, settingSpans, splitName } from "../../../src/core/incidents/settings.js";
import { isDistinctiveValue, wordsOf } from "../../../src/core/incidents/text-match.js";
import { valueFormsOf } from "../../../src/core/incidents/value-forms.js";

describe("wordsOf: the words of a line are runs of letters and digits, `_` and punctuation separate them", () => {
  const cases: { name: string; line: string; words: string[] }[] = [
    { name: "a key=value pair", line: "db_timeout=60s", words: ["db", "timeout", "60s"] },
    { name: "a kubectl target", line: "deployment/api-server", words: ["deployment", "api", "server"] },
    { name: "a dotted map path", line: "env.db_timeout now 60s", words: ["env", "db", "timeout", "now", "60s"] },
    { name: "an arrow between numbers", line: "replicas 3->6", words: ["replicas", "3", "6"] },
    { name: "letters outside ASCII", line: "größe 10", words: ["größe", "10"] },
  ];
  it.each(cases)("$name", ({ line, words }) => {
    expect(wordsOf(line).map((w) => w.text)).toEqual(words);
  });

  it("keeps where each word starts and ends", () => {
    expect(wordsOf("a bc")).toEqual([
      { text: "a", start: 0, end: 1 },
      { text: "bc", start: 2, end: 4 },
    ]);
  });
});

describe("isDistinctiveValue: a value names itself anywhere only when it is shaped like an identifier", () => {
  const cases: { value: string; distinctive: boolean }[] = [
    { value: "t3.large", distinctive: true },
    { value: "10.20.30.0/24", distinctive: true },
    { value: "team-payments", distinctive: true },
    { value: "8443", distinctive: true },
    { value: "debug", distinctive: false },
    { value: "Standard", distinctive: false },
    { value: "60s", distinctive: false },
    { value: "true", distinctive: false },
  ];
  it.each(cases)("$value: $distinctive", ({ value, distinctive }) => {
    expect(isDistinctiveValue(value)).toBe(distinctive);
  });
});

describe("settingsOf: the changed setting is the path's last named step, in the words people type", () => {
  const cases: { name: string; attribute: string; extra?: string[]; settings: { shown: string; words: string[]; specific: boolean; countLike: boolean }[] }[] = [
    { name: "a map key", attribute: "env.DB_TIMEOUT", settings: [{ shown: "DB_TIMEOUT", words: ["db", "timeout"], specific: true, countLike: false }] },
    { name: "a plain attribute of one word is not specific", attribute: "replicas", settings: [{ shown: "replicas", words: ["replica"], specific: false, countLike: true }] },
    { name: "a count of two words", attribute: "desired_capacity", settings: [{ shown: "desired_capacity", words: ["desired", "capacity"], specific: true, countLike: true }] },
    { name: "a nested block's attribute", attribute: "ingress[0].cidr_blocks", settings: [{ shown: "cidr_blocks", words: ["cidr", "block"], specific: true, countLike: false }] },
    { name: "a quoted map key with dots and slashes (a final s is dropped on both sides, so kubernetes reads kubernete)", attribute: 'labels["app.kubernetes.io/version"]', settings: [{ shown: "app.kubernetes.io/version", words: ["app", "kubernete", "io", "version"], specific: true, countLike: false }] },
    {
      name: "an env entry's value is the setting its name says, and not 'value'",
      attribute: "spec[0].template[0].spec[0].container[0].env[1].value",
      extra: ["DB_TIMEOUT"],
      settings: [
        { shown: "env", words: ["env"], specific: false, countLike: false },
        { shown: "DB_TIMEOUT", words: ["db", "timeout"], specific: true, countLike: false },
      ],
    },
    { name: "a whole resource has none", attribute: "", settings: [] },
  ];
  it.each(cases)("$name", ({ attribute, extra, settings }) => {
    expect(settingsOf(attribute, extra).map(({ shown, words, specific, countLike }) => ({ shown, words, specific, countLike }))).toEqual(settings);
  });

  it("splits camelCase and acronyms the way they are read", () => {
    expect(splitName("maxPoolSize")).toEqual(["max", "pool", "size"]);
    expect(splitName("HTTPServerTimeout")).toEqual(["http", "server", "timeout"]);
  });
});

describe("settingSpans: where a line spells the setting", () => {
  const [dbTimeout] = settingsOf("env.DB_TIMEOUT");
  const [poolSize] = settingsOf("env.DB_POOL_SIZE");
  const spelled = (line: string, setting = dbTimeout!) => settingSpans(wordsOf(line.toLowerCase()), setting).map((span) => [line.slice(span.start, span.end), span.whole]);
  const cases: { name: string; line: string; setting?: typeof dbTimeout; spans: (string | boolean)[][] }[] = [
    { name: "as the identifier", line: "DB_TIMEOUT=60s", spans: [["DB_TIMEOUT", true]] },
    { name: "in words", line: "upped the DB timeout", spans: [["DB timeout", true]] },
    { name: "with a dash", line: "db-timeout raised", spans: [["db-timeout", true]] },
    { name: "joined in one word", line: "dbTimeout: 60s", spans: [["dbTimeout", true]] },
    { name: "inside a dotted map path", line: "env.DB_TIMEOUT now 60s", spans: [["DB_TIMEOUT", true]] },
    { name: "its last word alone is not the setting", line: "bumped the timeout", spans: [] },
    { name: "its last two words are a tail, not the whole setting", line: "pool size down to 10", setting: poolSize, spans: [["pool size", false]] },
    { name: "a plural is not a difference", line: "pool sizes down to 10", setting: poolSize, spans: [["pool sizes", false]] },
  ];
  it.each(cases)("$name", ({ line, setting, spans }) => {
    expect(spelled(line, setting)).toEqual(spans);
  });
});

describe("valueFormsOf: where a new value counts, and how it can be written", () => {
  const cases: { value: string; tier: string; needles?: string[]; aliases?: string[] }[] = [
    { value: "t3.large", tier: "alone", needles: ["t3.large"] },
    { value: "0.0.0.0/0", tier: "alone", aliases: ["anywhere-ipv4", "anywhere", "the world", "the internet", "everyone"] },
    { value: "60s", tier: "unit", needles: ["60s", "60 s", "60sec", "60 sec", "60secs", "60 secs", "60second", "60 second", "60seconds", "60 seconds"] },
    { value: "2Gi", tier: "unit", needles: ["2gi", "2 gi", "2gib", "2 gib"] },
    { value: "gp3", tier: "unit", needles: ["gp3"] },
    { value: "6", tier: "bare", needles: ["6"] },
    { value: "debug", tier: "bare", needles: ["debug"] },
    { value: "true", tier: "bare", needles: ["true"] },
  ];
  it.each(cases)("$value is $tier", ({ value, tier, needles, aliases }) => {
    const [form] = valueFormsOf([value]);
    expect(form!.tier).toBe(tier);
    expect(form!.shown).toBe(value);
    if (needles) expect(form!.needles).toEqual(needles);
    if (aliases) expect(form!.aliases).toEqual(aliases);
  });

  it("gives each value once and leaves out empty ones", () => {
    expect(valueFormsOf(["60s", "60S", " ", ""]).map((f) => f.shown)).toEqual(["60s"]);
  });
});

describe("changeCommandIn: a cloud CLI followed by a verb that writes", () => {
  const cases: { name: string; line: string; command: string | undefined }[] = [
    { name: "kubectl set env", line: "ran `kubectl set env deployment/api-server db_timeout=60s`", command: "kubectl set" },
    { name: "kubectl with a namespace before the verb", line: "kubectl -n shop edit deploy/api-server", command: "kubectl edit" },
    { name: "kubectl scale behind a shell prompt", line: "$ kubectl scale deploy/api-server --replicas=6", command: "kubectl scale" },
    { name: "kubectl rollout undo", line: "kubectl rollout undo deployment/api-server", command: "kubectl rollout undo" },
    { name: "kubectl rollout status only reads", line: "kubectl rollout status deployment/api-server", command: undefined },
    { name: "kubectl logs only reads", line: "kubectl logs deploy/api-server | grep error", command: undefined },
    { name: "aws modify-*", line: "aws rds modify-db-instance --db-instance-identifier orders-db", command: "aws modify-db-instance" },
    { name: "aws with a global option first", line: "aws --region eu-west-1 ec2 authorize-security-group-ingress --group-id sg-1", command: "aws authorize-security-group-ingress" },
    { name: "aws describe-* only reads", line: "aws ec2 describe-instances --instance-ids i-1", command: undefined },
    { name: "gcloud set-machine-type", line: "gcloud compute instances set-machine-type vm-1 --machine-type e2-standard-4", command: "gcloud set-machine-type" },
    { name: "az aks scale", line: "az aks scale -g rg -n aks-prod --node-count 6", command: "az scale" },
    { name: "a verb too far from the CLI", line: "aws is slow today and we could not set anything", command: undefined },
    { name: "the word kubectl in prose with no verb", line: "kubectl was not installed on the bastion", command: undefined },
  ];
  it.each(cases)("$name", ({ line, command }) => {
    expect(changeCommandIn(line.toLowerCase())).toBe(command);
  });
});
