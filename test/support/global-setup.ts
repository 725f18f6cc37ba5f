import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Every temp dir the tests make (repos, workspaces, checkouts) goes under one root, removed at the end. */
export default function setup(): () => void {
  const root = mkdtempSync(path.join(os.tmpdir(), "driftback-tests-"));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
