import path from "node:path";

/** Var files terraform reads from a root dir without being told: terraform.tfvars(.json) and *.auto.tfvars(.json). */
export function isImplicitVarFile(name: string): boolean {
  return name === "terraform.tfvars" || name === "terraform.tfvars.json" || isAutoVarFile(name);
}

/** `*.auto.tfvars` and `*.auto.tfvars.json`: read in name order after terraform.tfvars(.json). */
export function isAutoVarFile(name: string): boolean {
  return name.endsWith(".auto.tfvars") || name.endsWith(".auto.tfvars.json");
}

/** A `-var-file` (relative to the root dir) as a repo-relative path. */
export function varFilePath(rootDir: string, varFile: string): string {
  return path.posix.normalize(path.posix.join(rootDir, varFile));
}
