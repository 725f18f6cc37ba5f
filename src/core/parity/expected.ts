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
  const anyResource = compiled.filter((g) => g.address === undefined && g.attribute !== undefined);
  const perResource = compiled.filter((g) => g.address !== undefined);
  // the defaults are attribute globs only, and the same attributes (id, arn, tags.Name) differ on every resource:
  // their answer is kept per attribute, not computed again for each of thousands of resources
  const byAttribute = new Map<string, boolean>();
  return (resource, attribute) => {
    let expected = byAttribute.get(attribute);
    if (expected === undefined) {
      expected = anyResource.some((g) => g.attribute!(attribute));
      byAttribute.set(attribute, expected);
    }
    return expected || perResource.some((g) => g.address!(resource) && (g.attribute ? g.attribute(attribute) : true));
  };
}
