/** A resource instance address, `module.a["x"].module.b.aws_instance.web[0]`, taken apart. */
export interface ResourceAddress {
  modules: { name: string; key?: string | number }[];
  mode: "managed" | "data";
  type: string;
  name: string;
  key?: string | number;
}

const SEGMENT = /([A-Za-z_][A-Za-z0-9_-]*)(?:\[(?:"((?:[^"\\]|\\.)*)"|(\d+))\])?/y;

/** Parses a terraform resource address; undefined when it is not one. */
export function parseResourceAddress(address: string): ResourceAddress | undefined {
  const segments: { name: string; key?: string | number }[] = [];
  SEGMENT.lastIndex = 0;
  let position = 0;
  while (position < address.length) {
    SEGMENT.lastIndex = position;
    const match = SEGMENT.exec(address);
    if (!match) return undefined;
    const key = match[2] !== undefined ? JSON.parse(`"${match[2]}"`) : match[3] !== undefined ? Number(match[3]) : undefined;
    segments.push({ name: match[1]!, key });
    position = SEGMENT.lastIndex;
    if (position < address.length) {
      if (address[position] !== ".") return undefined;
      position++;
    }
  }
  const modules: ResourceAddress["modules"] = [];
  let i = 0;
  while (segments[i]?.name === "module" && segments[i + 1]) {
    modules.push({ name: segments[i + 1]!.name, key: segments[i + 1]!.key });
    i += 2;
  }
  let mode: ResourceAddress["mode"] = "managed";
  if (segments[i]?.name === "data") {
    mode = "data";
    i++;
  }
  const type = segments[i];
  const name = segments[i + 1];
  if (!type || !name || segments.length !== i + 2 || type.key !== undefined) return undefined;
  return { modules, mode, type: type.name, name: name.name, key: name.key };
}

/** `tags.Owner`, `ingress[1].cidr_blocks`, `tags["kubernetes.io/role"]`: the path steps of an attribute. */
export function formatAttributePath(path: readonly (string | number)[]): string {
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(step)) out += out ? `.${step}` : step;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}

export function parseAttributePath(text: string): (string | number)[] {
  const steps: (string | number)[] = [];
  const pattern = /([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\./gy;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    if (match[1] !== undefined) steps.push(match[1]);
    else if (match[2] !== undefined) steps.push(Number(match[2]));
    else if (match[3] !== undefined) steps.push(JSON.parse(`"${match[3]}"`));
    if (pattern.lastIndex === text.length) break;
  }
  return steps;
}
