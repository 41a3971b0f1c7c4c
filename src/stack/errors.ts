// Errors of the stack-file layer. Every message names the file, the path in the document
// (`services.web.deploy.replicas`) and, when the YAML parser gave one, the line.

/** Stable codes, so callers and tests can tell the kinds apart without matching text. */
export type StackErrorCode =
  | 'invalid_yaml'
  | 'invalid_value'
  | 'unknown_key'
  | 'missing_variable'
  | 'undefined_network'
  | 'invalid_stack_name';

/** Thrown when a stack file (or a stack name) cannot be turned into specs; nothing was sent. */
export class StackFileError extends Error {
  readonly code: StackErrorCode;
  readonly file: string | undefined;
  /** Dotted path in the document, e.g. `services.web.ports[0]`; empty for the whole file. */
  readonly path: string;
  /** 1-based line in `file`, when known. */
  readonly line: number | undefined;
  readonly detail: string;

  constructor(code: StackErrorCode, detail: string, where: { file?: string; path?: string; line?: number } = {}) {
    const loc = [where.file, where.line === undefined ? undefined : `line ${where.line}`].filter((s) => s !== undefined).join(', ');
    const path = where.path ?? '';
    super(`${loc ? `${loc}: ` : ''}${path ? `${path}: ` : ''}${detail}`);
    this.name = 'StackFileError';
    this.code = code;
    this.file = where.file;
    this.path = path;
    this.line = where.line;
    this.detail = detail;
  }
}
