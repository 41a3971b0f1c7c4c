// Reading the engine's own words out of dockerode's errors: a report's `err` carries the
// engine message ("No such image: foo:latest"), not dockerode's "(HTTP code 404) ..." wrapper.

interface DockerodeError {
  statusCode?: number;
  json?: unknown;
  message?: string;
}

export function engineStatusCode(error: unknown): number | undefined {
  const code = (error as DockerodeError | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function engineMessage(error: unknown): string {
  const e = error as DockerodeError | null;
  const json = e?.json;
  if (json && typeof json === 'object' && 'message' in json) {
    const message = (json as { message: unknown }).message;
    if (typeof message === 'string' && message !== '') return message.trim();
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  // dockerode's own wrapper: "(HTTP code 500) server error - <engine message>".
  if (e?.message) return e.message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
  return String(error);
}

export function isNoSuchImage(error: unknown): boolean {
  return engineStatusCode(error) === 404 && /no such image/i.test(engineMessage(error));
}

export function isNotFound(error: unknown): boolean {
  return engineStatusCode(error) === 404;
}

/** 304: the container was already started / already stopped. */
export function isNotModified(error: unknown): boolean {
  return engineStatusCode(error) === 304;
}
