import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq } from "yaml";
import type { ExpectedGlob, ParityGroup } from "./types.js";

/** What marking a difference expected does to `.github/driftback.yml`, or why it cannot. */
export type ExpectEdit = { ok: true; text: string; added: ExpectedGlob } | { ok: false; reason: string };

/**
 * Marks one parity difference expected by design (issue 16 §6): its glob is added to the group's `expected` in the
 * repository's config text, comments and layout kept (the `yaml` Document API edits the tree, not the text). An
 * automatic group gets a configured group of its own (`name` and `module`, so it keeps matching by source); a group
 * with `expected_only` gets the glob there. The same glob twice changes nothing. Pure.
 */
export function markExpected(configText: string, group: Pick<ParityGroup, "name" | "origin" | "module">, glob: ExpectedGlob): ExpectEdit {
  const doc = parseDocument(configText);
  if (doc.errors.length > 0) return { ok: false, reason: `the config is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}` };
  if (!isMap(doc.contents)) return { ok: false, reason: "the config is not a mapping" };
  const rule = { ...(glob.address !== undefined ? { address: glob.address } : {}), ...(glob.attribute !== undefined ? { attribute: glob.attribute } : {}) };
  let parity = doc.get("parity");
  if (parity === undefined || parity === null) {
    doc.set("parity", doc.createNode([]));
    parity = doc.get("parity");
  }
  if (!isSeq(parity)) return { ok: false, reason: "`parity` in the config is not a list" };
  const groups = parity as YAMLSeq;
  let entry = groups.items.find((item) => isMap(item) && item.get("name") === group.name) as YAMLMap | undefined;
  if (!entry) {
    if (group.origin === "configured") return { ok: false, reason: `no parity group named ${group.name} in the config` };
    if (!group.module) return { ok: false, reason: `the automatic group ${group.name} names no module` };
    entry = doc.createNode({ name: group.name, module: group.module, expected: [] }) as YAMLMap;
    groups.add(entry);
  }
  const key = entry.has("expected_only") ? "expected_only" : "expected";
  let list = entry.get(key);
  if (list === undefined || list === null) {
    entry.set(key, doc.createNode([]));
    list = entry.get(key);
  }
  if (!isSeq(list)) return { ok: false, reason: `\`${key}\` of parity group ${group.name} is not a list` };
  const rules = list as YAMLSeq;
  const same = rules.items.some((item) => isMap(item) && item.get("address") === rule.address && item.get("attribute") === rule.attribute);
  // already expected: the text as it was, not as the YAML library would print it
  if (same) return { ok: true, text: configText, added: rule };
  const node = doc.createNode(rule) as YAMLMap;
  node.flow = true;
  rules.add(node);
  return { ok: true, text: doc.toString({ flowCollectionPadding: false }), added: rule };
}
