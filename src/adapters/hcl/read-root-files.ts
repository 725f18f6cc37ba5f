import { readFile } from "node:fs/promises";
import path from "node:path";
import { MAX_HCL_FILE_BYTES } from "./parser.js";

/**
 * Each root dir's `.terraform.lock.hcl` (which provider versions it runs), repo-relative path -> text.
 * A root without one is simply absent; one too large or unreadable is named in `problems`.
 */
export async function readLockFiles(checkoutDir: string, rootDirs: readonly string[]): Promise<{ files: Map<string, string>; problems: string[] }> {
  const files = new Map<string, string>();
  const problems: string[] = [];
  for (const dir of [...new Set(rootDirs)]) {
    const file = path.posix.join(dir, ".terraform.lock.hcl");
    try {
      const text = await readFile(path.join(checkoutDir, file), "utf8");
      if (text.length > MAX_HCL_FILE_BYTES) problems.push(`${file} is over ${MAX_HCL_FILE_BYTES} bytes: its provider versions are not compared`);
      else files.set(file, text);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") problems.push(`${file} could not be read (${code ?? "error"}): its provider versions are not compared`);
    }
  }
  return { files, problems };
}
