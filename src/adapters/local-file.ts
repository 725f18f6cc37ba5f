import { readFile, stat } from "node:fs/promises";
import { escapeForOneLine } from "../core/printable.js";

/** A local file driftback cannot use; the message names the file and says what to do. */
export class LocalFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LocalFileError";
  }
}

export interface ReadLocalFileOptions {
  /** How the file is named in messages: a flag (`--plan-json`) or a role (`plan file`). */
  label: string;
  /** Refuse larger files before reading them. */
  maxBytes: number;
  /** What to do about a file over maxBytes. */
  tooLargeAdvice: string;
  /** The path as the user knows it (relative, as typed); `file` by default. */
  displayName?: string;
}

/**
 * Reads a text file the user pointed at: checks it is a regular file of a sane size before
 * reading (a directory, a device or a 600 MB file give one clear line, not EISDIR, a hang or
 * "Invalid string length"), drops a UTF-8 byte order mark and refuses UTF-16.
 */
export async function readLocalTextFile(file: string, options: ReadLocalFileOptions): Promise<string> {
  const shown = options.displayName ?? file;
  const where = `${options.label} ${escapeForOneLine(shown)}`;
  const info = await stat(file).catch((error: unknown) => {
    throw new LocalFileError(shown, `cannot read ${where}: ${fsReason(error)}`, { cause: error });
  });
  if (info.isDirectory()) throw new LocalFileError(shown, `${where} is a directory; give the path of a file`);
  if (!info.isFile()) throw new LocalFileError(shown, `${where} is not a regular file (a device, socket or pipe); give the path of a file`);
  if (info.size > options.maxBytes) {
    throw new LocalFileError(shown, `${where} is ${formatSize(info.size)}, over driftback's limit of ${formatSize(options.maxBytes)}; ${options.tooLargeAdvice}`);
  }
  const bytes = await readFile(file).catch((error: unknown) => {
    throw new LocalFileError(shown, `cannot read ${where}: ${fsReason(error)}`, { cause: error });
  });
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new LocalFileError(shown, `${where} is UTF-16 text; save it as UTF-8 (PowerShell: \`terraform show -json plan | Out-File -Encoding utf8 plan.json\`)`);
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // UTF-8 byte order mark
  return bytes.toString("utf8", start);
}

/** What went wrong with a file system call, in words, with the code for searching. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reasons: Record<string, string> = {
    ENOENT: "no such file or directory; check the path",
    ENOTDIR: "a part of the path is a file, not a directory; check the path",
    EACCES: "permission denied; check the file's permissions",
    EPERM: "operation not permitted; check the file's permissions",
    EISDIR: "it is a directory; give the path of a file",
    ELOOP: "too many symbolic links (a link loop?); check the path",
    ENAMETOOLONG: "the path is too long",
    EMFILE: "too many open files; raise the limit (ulimit -n) and retry",
    EIO: "an input/output error from the disk",
  };
  if (code && reasons[code]) return `${reasons[code]} (${code})`;
  return code ?? String((error as Error | undefined)?.message ?? error);
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} bytes`;
}
