import { globMatcher } from "../policy/glob.js";
import type { ExpectedGlob } from "./types.js";

/**
 * Whether a difference is expected by design: some glob matches it (every field the glob names must match:
 * `address` against the difference's resource, `attribute` against its attribute path; `*` crosses dots, as in
 * `drift.ignore`). A glob without `address` matches an attribute on any resource.
 */
export function expectedMatcher(globs: readonly ExpectedGlob[]): (resource: string, attribute: string) => boolean {
  const compiled = globs.map((glob) => ({
    address: glob.address !== undefined ? globMatcher(glob.address) : undefined,
    attribute: glob.attribute !== undefined ? globMatcher(glob.attribute) : undefined,
  }));
  return (resource, attribute) => compiled.some((g) => (g.address ? g.address(resource) : true) && (g.attribute ? g.attribute(attribute) : true) && (g.address !== undefined || g.attribute !== undefined));
}
