/**
 * Change commands pasted into incidents ("kubectl edit deploy/api-server", "aws ec2
 * modify-instance-attribute ..."): a line where a cloud CLI is followed, within a few arguments,
 * by a verb that changes something. Reading commands (get, describe, logs) are not changes. The
 * line is split on white space only; nothing else of it is interpreted.
 */

/** kubectl and oc verbs that write to the cluster (`rollout` only with a subcommand that writes). */
const KUBE_VERBS = new Set(["annotate", "apply", "autoscale", "create", "delete", "edit", "label", "patch", "replace", "rollout", "scale", "set", "taint"]);
/** gcloud and az verbs and verb prefixes that write. */
const ROLLOUT_WRITES = new Set(["undo", "restart", "pause", "resume"]);
const CLOUD_VERBS = new Set(["update", "set", "patch", "resize", "scale", "create", "delete", "enable", "disable", "add", "remove"]);
/** AWS CLI operations that write start with one of these (`modify-db-instance`, `authorize-security-group-ingress`). */
const AWS_PREFIXES = ["modify-", "update-", "put-", "authorize-", "revoke-", "set-", "attach-", "detach-", "create-", "delete-", "add-", "remove-", "tag-", "untag-", "associate-", "disassociate-", "enable-", "disable-", "register-", "deregister-", "start-", "stop-", "reboot-"];

const CLIS: Readonly<Record<string, (argument: string) => boolean>> = {
  kubectl: (arg) => KUBE_VERBS.has(arg),
  oc: (arg) => KUBE_VERBS.has(arg),
  aws: (arg) => AWS_PREFIXES.some((prefix) => arg.startsWith(prefix) && arg.length > prefix.length),
  gcloud: (arg) => CLOUD_VERBS.has(arg) || [...CLOUD_VERBS].some((verb) => arg.startsWith(`${verb}-`)),
  az: (arg) => CLOUD_VERBS.has(arg) || [...CLOUD_VERBS].some((verb) => arg.startsWith(`${verb}-`)),
};
/** An operation name as the CLIs spell them; anything else is not shown (evidence never repeats other incident text). */
const OPERATION = /^[a-z][a-z0-9-]{0,59}$/;
/** How many arguments after the CLI may come before its verb (`kubectl -n prod edit`, `aws --region eu-west-1 ec2 modify-...`). */
const VERB_REACH = 4;
/** Quoting around a pasted command: backticks, quotes, a shell prompt. */
const QUOTING = new Set(["`", "'", '"', "$", ">", "(", ")"]);

/** The CLI and verb of a change command on this (lower-cased) line, as "kubectl edit"; undefined when there is none. */
export function changeCommandIn(lowerLine: string): string | undefined {
  const args = lowerLine.split(/\s+/).map(unquote).filter(Boolean);
  for (let at = 0; at < args.length; at++) {
    const writes = Object.hasOwn(CLIS, args[at]!) ? CLIS[args[at]!] : undefined;
    if (!writes) continue;
    const reach = args.slice(at + 1, at + 1 + VERB_REACH);
    const verbAt = reach.findIndex((arg) => OPERATION.test(arg) && writes(arg));
    if (verbAt === -1) continue;
    const verb = reach[verbAt]!;
    if (verb !== "rollout") return `${args[at]} ${verb}`;
    const subcommand = args[at + 2 + verbAt] ?? "";
    if (ROLLOUT_WRITES.has(subcommand)) return `${args[at]} rollout ${subcommand}`;
  }
  return undefined;
}

function unquote(arg: string): string {
  let start = 0;
  let end = arg.length;
  while (start < end && QUOTING.has(arg[start]!)) start++;
  while (end > start && QUOTING.has(arg[end - 1]!)) end--;
  return arg.slice(start, end);
}
