/**
 * The follow-up's view model, as the Templates interface (core/templates.ts) takes it: types only,
 * importing nothing, so core/templates.ts never imports a module that builds views. follow-up-view.ts
 * builds it and re-exports these types.
 */

export type FollowUpStatus = "open" | "merged" | "closed";

/** What the follow-up templates render: the pull requests (a task list on GitHub) and whether all are done. */
export interface FollowUpView {
  repo: string;
  incidentKey: string;
  pullRequests: { ref: string; number: number; url: string; status: FollowUpStatus; done: boolean }[];
  openCount: number;
  doneCount: number;
  /** Every pull request is merged or closed: the incident's drift in this repository is reconciled. */
  reconciled: boolean;
}
