import type { DriftChanges, Operation } from "../../../src/core/backport/index.js";

const counts = (c: DriftChanges) => (c.unknown ? "unknown" : `+${c.added.length} -${c.removed.length} ~${c.changed.length} ⇄${c.switched.length}`);

/** One line per operation, for table-driven expectations that read like the lifecycle they test. */
export function describeOp(op: Operation): string {
  switch (op.kind) {
    case "open":
      return `open ${op.key} (${op.reason}${op.reuseBranch ? ", reusing the branch" : ""})`;
    case "resume":
      return `resume ${op.key}`;
    case "update":
      return `update #${op.pr} ${counts(op.changes)}`;
    case "regenerate":
      return `regenerate #${op.pr} (${op.cause}) ${counts(op.changes)}`;
    case "refresh-body":
      return `refresh-body #${op.pr}`;
    case "comment-human-push":
      return `comment-human-push #${op.pr} ${counts(op.changes)}`;
    case "label-fix":
      return `label-fix #${op.pr} +[${op.add.join(",")}] -[${op.remove.join(",")}]`;
    case "close":
      return `close #${op.pr} ${op.reason}${op.deleteBranch ? ", deleting the branch" : ", keeping the branch"}${op.by ? ` (by ${op.by.pr !== undefined ? `#${op.by.pr}` : op.by.key})` : ""}`;
    case "delete-branch":
      return `delete-branch ${op.branch}`;
    case "leave-alone":
      return `leave-alone ${op.pr !== undefined ? `#${op.pr}` : op.key} (${op.reason})`;
    case "wait-max-open":
      return `wait-max-open ${op.key}`;
    case "branch-blocked":
      return `branch-blocked ${op.key}`;
  }
}
