/**
 * Shapes of incident correlation (issue 9 §2). Pure data: times are ISO 8601 strings, read in UTC.
 */

/**
 * An incident in driftback's neutral shape (issue 9 §8); the port's `Incident` (src/ports.ts) is
 * this plus the source it came from.
 */
export interface CorrelationIncident {
  /** What a person calls it, and what `getIncident` takes back: `acme/incidents#42`, a PagerDuty id, `INC-123`. */
  key: string;
  title: string;
  url: string;
  status: "open" | "resolved";
  /** ISO 8601. */
  openedAt: string;
  /** ISO 8601; null while open: it then counts as open until the drift's first sighting. */
  resolvedAt: string | null;
  /** Description and timeline (comments, notes, updates): searched for evidence, never copied into evidence, kept in memory only. */
  text: string;
  /** The service or component it is about, when the tracker says (mapped to workspaces by `incidents.services`). */
  service?: string;
}

/** One drift as correlation sees it: identities, non-sensitive new values, live tags and its window. */
export interface DriftForCorrelation {
  fingerprint: string;
  workspace: string;
  address: string;
  /** `id`, `arn`, `name` of the live object (strings that name the resource). */
  identities: string[];
  /** The attribute path (`ingress[0].cidr_blocks`, `env.DB_TIMEOUT`); empty for a whole resource. Its last named step is the changed setting. */
  attribute: string;
  /** Other names of the changed setting (the `name` of a Kubernetes env entry whose `value` changed). */
  settingNames?: string[];
  /** Scalar parts of the new live value that were not there before. Ignored when `sensitive`. */
  newValues: string[];
  /** The value is a secret (plan-marked or matched by mask rules): it is never matched. */
  sensitive: boolean;
  /** Live tags and labels (`tags`, `labels`, `tags_all`), kept apart so evidence can say which. */
  tags: { source: "tag" | "label"; key: string; value: string }[];
  /** The workspace's last clean scan (the window's start); null when none is known. */
  lastClean: string | null;
  /** The drift's first sighting (the window's end). */
  firstSeen: string;
}

/** Someone declared that manual changes are expected in a workspace for a while (issue 9 §5). */
export interface BreakGlassDeclaration {
  workspace: string;
  incidentKey: string;
  from: string;
  until: string;
  /** Login of the person who declared it. */
  by: string;
  reason?: string;
}

export interface CorrelationOptions {
  /** Tag or label keys naming an incident (case-insensitive). Default: incident, ticket, change. */
  tagKeys?: readonly string[];
  /** Incident service -> the workspaces it runs in. */
  services?: Readonly<Record<string, readonly string[]>>;
  /** Least confidence that links an incident. Default 0.5. */
  threshold?: number;
  breakGlass?: readonly BreakGlassDeclaration[];
  /** Clock skew allowed at every window edge, in ms. Default 5 minutes. */
  skewMs?: number;
  /** Window start when no clean scan is known: this long before the first sighting, in ms. Default 24 h. */
  lookbackMs?: number;
}

/**
 * exact: a tag or a break-glass declaration; strong: a mention (of the resource, the setting, its
 * new value, a change command); weak: timing, service and region; note: explains a choice.
 */
export type EvidenceKind = "exact" | "strong" | "weak" | "note";

export interface Evidence {
  kind: EvidenceKind;
  /** This evidence's share of the confidence (0 for notes). */
  weight: number;
  /** A sentence a person can check. Never holds incident text beyond its key, nor a sensitive value. */
  text: string;
}

export interface IncidentCandidate {
  key: string;
  /** Null when only a break-glass declaration names the incident (its source did not return it). */
  title: string | null;
  url: string | null;
  /** In [0, 1], rounded to 3 decimals. */
  confidence: number;
  strongest: Exclude<EvidenceKind, "note">;
  evidence: Evidence[];
}

export interface Correlation {
  fingerprint: string;
  /** The best candidate at or above the threshold, or null. */
  incident: IncidentCandidate | null;
  /** The next best (at most 3, best first), whether or not one was linked. */
  candidates: IncidentCandidate[];
}
