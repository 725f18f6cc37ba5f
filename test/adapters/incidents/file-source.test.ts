import { describe, expect, it } from "vitest";
import { FileIncidentSource, IncidentsFileError, parseIncidents, toNeutral } from "../../../src/adapters/incidents/file-source.js";

const row = { key: "INC-1", title: "Checkout down", url: "https://example.com/INC-1", status: "resolved", opened_at: "2024-05-01T02:10:00Z", resolved_at: "2024-05-01T03:40:00Z", text: "sg-0abc", service: "shop" };

describe("parseIncidents", () => {
  it("reads the neutral shape into the port's incidents", () => {
    expect(parseIncidents(JSON.stringify([row]), "f")).toEqual([{ key: "INC-1", title: "Checkout down", url: "https://example.com/INC-1", status: "resolved", openedAt: "2024-05-01T02:10:00Z", resolvedAt: "2024-05-01T03:40:00Z", text: "sg-0abc", service: "shop", source: "github" }]);
  });

  it("reads back what `driftback incidents --with-text` prints", () => {
    const [incident] = parseIncidents(JSON.stringify([row]), "f");
    expect(parseIncidents(JSON.stringify([toNeutral({ ...incident!, source: "jira" }, true)]), "f")[0]).toEqual({ ...incident, source: "jira" });
  });

  it.each([
    ["a missing title", { ...row, title: undefined }, "f: [0].title is missing"],
    ["an open incident without resolved_at null", { ...row, resolved_at: undefined }, "f: [0].resolved_at is missing"],
    ["a status in capitals", { ...row, status: "Resolved" }, 'f: [0].status must be "open" or "resolved"'],
  ])("names the field for %s", (_name, entry, message) => {
    expect(() => parseIncidents(JSON.stringify([entry]), "f")).toThrow(new IncidentsFileError(message));
  });
});

describe("FileIncidentSource", () => {
  const source = new FileIncidentSource(
    parseIncidents(
      JSON.stringify([
        row,
        { ...row, key: "INC-2", opened_at: "2024-04-01T00:00:00Z", resolved_at: "2024-04-01T01:00:00Z" },
        { ...row, key: "INC-3", status: "open", opened_at: "2024-03-01T00:00:00Z", resolved_at: null },
        { ...row, key: "INC-4", opened_at: "2024-05-02T00:00:00Z", resolved_at: null, status: "open" },
      ]),
      "f",
    ),
  );

  it("lists the incidents open at some moment of the window, an old one still open included", async () => {
    const listed = await source.listIncidents({ since: new Date("2024-05-01T00:00:00Z"), until: new Date("2024-05-01T04:00:00Z") });
    expect(listed.map((i) => i.key)).toEqual(["INC-1", "INC-3"]);
  });

  it("finds one by key or link, and takes no follow-up", async () => {
    expect((await source.getIncident("https://example.com/INC-1"))?.key).toBe("INC-1");
    expect(await source.getIncident("INC-9")).toBeUndefined();
    expect(await source.upsertFollowUp()).toMatchObject({ written: false, outcome: "unsupported" });
  });
});
