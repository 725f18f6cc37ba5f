import type { Node } from "web-tree-sitter";
import type { JsonValue, PathStep } from "../plan/model.js";
import type { LiftChange } from "./lift.js";

/** One drifted attribute to write back: where it is, and what is really running. */
export interface DriftTarget {
  address: string;
  path: PathStep[];
  /** The live value at `path`. */
  live: JsonValue;
  /** The whole live object of the resource, for attributes the code does not set yet. */
  liveResource: JsonValue;
  /** The whole recorded (state) object, to tell which nested block an index points at. */
  recordedResource: JsonValue;
  sensitive: boolean;
  /**
   * The configuration manages it (the planned change sets it back, or relevant_attributes names
   * it), even where the code leaves it out: adding it to the code is then right.
   */
  managed: boolean;
}

/** Where the value that must change lives in the code, or why driftback will not touch it. */
export type Resolution =
  | { kind: "literal"; file: string; expression: Node; steps: PathStep[]; via: string }
  | { kind: "absent"; file: string; block: Node; name: string; value: JsonValue; via: string }
  | { kind: "blocks"; file: string; block: Node; type: string; live: JsonValue; via: string }
  /** The value's own code is evaluated by others too: written at the first level that is the drifted instance's alone (see lift.ts). */
  | { kind: "lifted"; file: string; changes: LiftChange[]; via: string }
  /** A root variable set in a `.tfvars.json` var file: only that value's text changes (json-var-file.ts). */
  | { kind: "json"; file: string; name: string; steps: PathStep[]; via: string }
  | { kind: "refused"; reason: string };
