/** GitHub Actions' own identity: what a workflow's GITHUB_TOKEN writes as (its comments, check runs and commits). */
export const GITHUB_ACTIONS_BOT_LOGIN = "github-actions[bot]";
/** The GitHub Actions app: `performed_via_github_app.id` and a check run's `app.id` for GITHUB_TOKEN's work. */
export const GITHUB_ACTIONS_APP_ID = 15368;
