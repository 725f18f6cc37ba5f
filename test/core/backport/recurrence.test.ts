import { describe, expect, it } from "vitest";
import { clearedMarkers, clearedMerges, CLEARED_LIMIT, encodeMarker, parseMarker, type ClearedMerge, type ExistingPullRequest } from "../../../src/core/backport/index.js";
import type { DriftItem } from "../../../src/core/drift/items.js";
import { fingerprintOf } from "../../../src/core/drift/track.js";
import { driftItem } from "../../support/drift-item.js";
import { closedPr, openPr } from "./github-state.js";
import { plansFor } from "./support.js";

const ssh = driftItem("aws_security_group_rule.ssh", "cidr_blocks", { before: ["10.0.0.0/8"], after: ["0.0.0.0/0"] });
const api = driftItem("aws_instance.api", "ami", { before: "ami-1", after: "ami-2" });
const stagingDb = driftItem("aws_instance.db", "ami", { workspace: "staging" });
const SSH = fingerprintOf(ssh);
const API = fingerprintOf(api);

const one = (items: DriftItem[]) => plansFor(items)[0]!;
const merged = (number: number, items: DriftItem[]): ExistingPullRequest => closedPr(number, one(items), { merged: true, closedBy: undefined });

interface Case {
  name: string;
  existing: ExistingPullRequest[];
  remembered?: ClearedMerge[];
  scanned?: string[];
  drifting?: DriftItem[];
  expected: ClearedMerge[];
}

const cases: Case[] = [
  { name: "a merged pull request whose drift a successful scan of its workspace found gone is cleared", existing: [merged(3, [ssh])], expected: [{ fingerprint: SSH, pr: 3 }] },
  { name: "drift still there: the merge waits for its apply", existing: [merged(3, [ssh])], drifting: [ssh], expected: [] },
  { name: "its workspace not planned (a failed scan): nothing is cleared", existing: [merged(3, [ssh])], scanned: ["staging"], expected: [] },
  { name: "another workspace's merge is judged by that workspace", existing: [merged(3, [stagingDb])], scanned: ["prod"], expected: [] },
  { name: "an open pull request is not a merge", existing: [openPr(3, one([ssh]))], expected: [] },
  { name: "a pull request a person closed unmerged is not a merge", existing: [closedPr(3, one([ssh]))], expected: [] },
  { name: "a remembered entry holds while its pull request is the newest carrying the drift, whatever this scan sees", existing: [merged(3, [ssh])], remembered: [{ fingerprint: SSH, pr: 3 }], drifting: [ssh], expected: [{ fingerprint: SSH, pr: 3 }] },
  { name: "a newer pull request carrying the drift ends the entry", existing: [merged(3, [ssh]), openPr(5, one([ssh]))], remembered: [{ fingerprint: SSH, pr: 3 }], drifting: [ssh], expected: [] },
  { name: "a newer merge is cleared on its own scan, not by the older entry", existing: [merged(3, [ssh]), merged(5, [ssh])], remembered: [{ fingerprint: SSH, pr: 3 }], drifting: [ssh], expected: [] },
  { name: "an entry whose pull request is no longer listed is kept", existing: [], remembered: [{ fingerprint: SSH, pr: 3 }], expected: [{ fingerprint: SSH, pr: 3 }] },
  { name: "what a merged pull request's marker records counts as remembered", existing: [{ ...merged(3, [ssh]), marker: { ...merged(3, [ssh]).marker!, cleared: [SSH] } }], drifting: [ssh], expected: [{ fingerprint: SSH, pr: 3 }] },
  { name: "a marker's record on a pull request that is not merged counts for nothing", existing: [{ ...openPr(3, one([ssh])), marker: { ...openPr(3, one([ssh])).marker!, cleared: [SSH] } }], drifting: [ssh], expected: [] },
  { name: "each drift of a merged pull request clears on its own", existing: [merged(3, [api, driftItem("aws_instance.api", "tags.Owner")])], drifting: [driftItem("aws_instance.api", "tags.Owner")], expected: [{ fingerprint: API, pr: 3 }] },
];

describe("clearedMerges", () => {
  it.each(cases)("$name", ({ existing, remembered = [], scanned = ["prod", "staging"], drifting = [], expected }) => {
    expect(clearedMerges(existing, remembered, { scanned: new Set(scanned), drifting: new Set(drifting.map(fingerprintOf)) })).toEqual(expected);
  });

  it(`remembers at most ${CLEARED_LIMIT}, the newest pull requests first`, () => {
    const remembered = Array.from({ length: CLEARED_LIMIT + 5 }, (_, i) => ({ fingerprint: i.toString(16).padStart(16, "0"), pr: i + 1 }));
    const kept = clearedMerges([], remembered, { scanned: new Set(), drifting: new Set() });
    expect(kept).toHaveLength(CLEARED_LIMIT);
    expect(kept[0]!.pr).toBe(CLEARED_LIMIT + 5);
    expect(kept.at(-1)!.pr).toBe(6);
  });
});

describe("clearedMarkers", () => {
  it("gives the marker to write on each merged pull request that does not list its cleared drift yet, and nothing once it does", () => {
    const sshPort = driftItem("aws_security_group_rule.ssh", "from_port", { before: 22, after: 2222 });
    const PORT = fingerprintOf(sshPort);
    const pr = merged(3, [ssh, sshPort]);
    const [update, ...rest] = clearedMarkers([pr, openPr(4, one([stagingDb]))], [{ fingerprint: SSH, pr: 3 }, { fingerprint: fingerprintOf(stagingDb), pr: 4 }, { fingerprint: PORT, pr: 9 }]);
    expect(rest).toEqual([]);
    expect(update).toEqual({ pr: 3, marker: { ...pr.marker, cleared: [SSH] } });
    // it round-trips through the body, and asking again writes nothing
    const written = { ...pr, marker: parseMarker(encodeMarker(update!.marker)) };
    expect(written.marker!.cleared).toEqual([SSH]);
    expect(clearedMarkers([written], [{ fingerprint: SSH, pr: 3 }])).toEqual([]);
    expect(clearedMarkers([written], [{ fingerprint: SSH, pr: 3 }, { fingerprint: PORT, pr: 3 }, { fingerprint: API, pr: 3 }])).toEqual([{ pr: 3, marker: { ...written.marker, cleared: [PORT, SSH].sort() } }]); // API: not carried by #3
  });
});
