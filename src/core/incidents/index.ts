/**
 * Incident correlation and break-glass windows, the pure core (issue 9 §2 and §5). No I/O, no
 * clock: times come in as ISO strings or epoch ms. Expected use, per scan:
 *
 *  1. `driftForCorrelation(item, { lastClean, firstSeen }, masker)` for each real drift item.
 *  2. `correlate(drifts, incidents, { tagKeys, services, threshold, breakGlass })` -> one
 *     Correlation per drift: the linked incident (or null) with its evidence sentences, and the
 *     runners-up.
 *  3. Break-glass: `parseBreakGlassCommand(comment, { workspaces })` then `declareBreakGlass`;
 *     during a scan `isExpected(drift, declarations, now)` (no backport pull request yet) and
 *     `overdue(drift, declarations, now, grace)` (raise its severity on the dashboard).
 */
export { correlate, confidenceOf, DEFAULT_LOOKBACK_MS, DEFAULT_SKEW_MS, DEFAULT_TAG_KEYS, DEFAULT_THRESHOLD, RUNNERS_UP } from "./correlate.js";
export { WEIGHTS } from "./evidence.js";
export { driftForCorrelation, type DriftWindowFields } from "./from-drift.js";
export { activeWindows, BREAK_GLASS_MAX_MS, BREAK_GLASS_MIN_MS, declareBreakGlass, isExpected, overdue, parseBreakGlassCommand } from "./break-glass.js";
export type { BreakGlassCommand, BreakGlassVerdict, OverdueVerdict, Parsed, WindowedDrift } from "./break-glass.js";
export { containsWholeToken, isMeaningfulNeedle } from "./text-match.js";
export type { BreakGlassDeclaration, Correlation, CorrelationIncident, CorrelationOptions, DriftForCorrelation, Evidence, EvidenceKind, IncidentCandidate } from "./types.js";
