/** GitHub's limit for an issue or pull-request comment body (in its own module: the CLI's help text shows it without loading the renderer). */
export const COMMENT_LIMIT = 65_536;
