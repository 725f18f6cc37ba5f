/** A JSON value as it appears in `terraform show -json`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** Mirrors a value's shape: `true` marks the node (and everything under it). */
export type Marks = boolean | Marks[] | { [key: string]: Marks } | undefined;
/** A step into a value: object key or list index. */
export type PathStep = string | number;

export type ChangeAction =
  | "create"
  | "update"
  | "delete"
  | "delete-create" // replace, destroy first
  | "create-delete" // replace, create_before_destroy
  | "read"
  | "no-op"
  | "forget"
  | "unknown";

export interface ValueChange {
  before: JsonValue | undefined;
  after: JsonValue | undefined;
  afterUnknown: Marks;
  beforeSensitive: Marks;
  afterSensitive: Marks;
}

export interface ResourceChange extends ValueChange {
  address: string;
  /** Set when a `moved` block renamed it: the address in state before this plan. */
  previousAddress?: string;
  moduleAddress?: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  index?: string | number;
  providerName?: string;
  action: ChangeAction;
  /** The raw actions array, for anything the model does not name. */
  rawActions: string[];
  actionReason?: string;
  importing?: { id?: string };
  replacePaths: PathStep[][];
}

export interface OutputChange extends ValueChange {
  name: string;
  action: ChangeAction;
  sensitive: boolean;
}

export interface RelevantAttribute {
  resource: string;
  attribute: PathStep[];
}

export interface CheckOutcome {
  address: string;
  status: "pass" | "fail" | "error" | "unknown";
  problems: string[];
}

export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  replace: number;
  import: number;
  move: number;
  read: number;
  forget: number;
}

export interface PlanModel {
  formatVersion: string;
  terraformVersion?: string;
  /** The plan failed part-way (`errored: true`); what it holds is incomplete. */
  errored: boolean;
  /** A refresh-only plan: there is no `resource_changes` key at all. */
  refreshOnly: boolean;
  resourceChanges: ResourceChange[];
  resourceDrift: ResourceChange[];
  /** `undefined` when the format predates relevant_attributes (before terraform 1.2). */
  relevantAttributes?: RelevantAttribute[];
  outputChanges: OutputChange[];
  checks: CheckOutcome[];
  summary: PlanSummary;
}

export const DESTRUCTIVE_ACTIONS: ReadonlySet<ChangeAction> = new Set(["delete", "delete-create", "create-delete"]);

export function isDestructive(change: Pick<ResourceChange, "action">): boolean {
  return DESTRUCTIVE_ACTIONS.has(change.action);
}

export function isMove(change: ResourceChange): boolean {
  return change.previousAddress !== undefined && change.previousAddress !== change.address;
}

/** Whether the change needs to be shown to a reviewer at all. */
export function isNoteworthy(change: ResourceChange): boolean {
  return change.action !== "no-op" || isMove(change) || change.importing !== undefined;
}

export function hasChanges(model: PlanModel): boolean {
  const s = model.summary;
  return s.add + s.change + s.destroy + s.replace + s.import + s.move + s.forget > 0 || model.outputChanges.some((o) => o.action !== "no-op");
}
