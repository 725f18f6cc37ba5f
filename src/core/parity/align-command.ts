/**
 * `/driftback align <group> <resource> <attribute> to <member>` (issue 16 §6): a writer asks driftback for the
 * pull request that sets the other members of a parity group to one member's value. Pure: the handler checks who
 * asked and where.
 */

/** One alignment asked for: the difference (group, resource, attribute) and the member whose value the others get. */
export interface AlignRequest {
  group: string;
  resource: string;
  attribute: string;
  /** The member whose value the others get; "" for `expect`. */
  to: string;
  /** `/driftback expect`: mark the difference expected by design (a pull request adding its glob to the config) instead. */
  expect?: true;
}

export const EXPECT_USAGE = "usage: `/driftback expect <group> <resource> <attribute>`, for example `/driftback expect modules/service module.shop pool_size` (names as the dashboard's parity section shows them, without spaces)";

export const ALIGN_USAGE = "usage: `/driftback align <group> <resource> <attribute> to <member>`, for example `/driftback align modules/service module.shop pool_size to staging` (names as the dashboard's parity section shows them, without spaces)";

/** Where the command starts: on a line of its own, at its start (like the other commands). */
const LINE = /^\/driftback[ \t]+align\b(.*)$/m;
const EXPECT_LINE = /^\/driftback[ \t]+expect\b(.*)$/m;
/** One name: printable, no spaces, nothing that could end a code span or an HTML comment. */
const NAME = /^[^\s`<>\\]{1,200}$/;

/**
 * The request a comment gives; `{ ok: false }` (with the usage line) for `/driftback align` followed by anything else;
 * undefined when the comment is not an align command at all.
 */
export function parseAlignCommand(comment: string | null | undefined): { ok: true; request: AlignRequest } | { ok: false; error: string } | undefined {
  if (typeof comment !== "string") return undefined;
  const expect = EXPECT_LINE.exec(comment);
  if (expect) {
    const words = expect[1]!.trim().split(/[ \t]+/).filter(Boolean);
    if (words.length !== 3 || !words.every((name) => NAME.test(name))) return { ok: false, error: EXPECT_USAGE };
    const [group, resource, attribute] = words as [string, string, string];
    return { ok: true, request: { group, resource, attribute, to: "", expect: true } };
  }
  const match = LINE.exec(comment);
  if (!match) return undefined;
  const words = match[1]!.trim().split(/[ \t]+/).filter(Boolean);
  if (words.length !== 5 || words[3]!.toLowerCase() !== "to") return { ok: false, error: ALIGN_USAGE };
  const [group, resource, attribute, , to] = words as [string, string, string, string, string];
  if (![group, resource, attribute, to].every((name) => NAME.test(name))) return { ok: false, error: ALIGN_USAGE };
  return { ok: true, request: { group, resource, attribute, to } };
}

/** One request's identity (the same in the alignment's key): a request asked twice is run once. */
export function alignRequestKey(request: AlignRequest): string {
  if (request.expect) return `expect:${request.group}:${request.resource}:${request.attribute}`;
  return `align:${request.group}:${request.resource}:${request.attribute}:${request.to}`;
}

/** A request as a scan carries it: from a command, with the issue or pull request to reply on. */
export interface AlignAsk extends AlignRequest {
  reply?: { issue: number };
}
