// Pulling an image the engine does not have. Errors inside the progress stream (a line
// with "error") fail the pull as an HTTP error would.
import type Dockerode from 'dockerode';

/** How long one pull may take before it is abandoned (ms). */
export const PULL_TIMEOUT_MS = 5 * 60_000;

interface PullProgress {
  error?: string;
  errorDetail?: { message?: string };
}

export async function pullImage(docker: Dockerode, image: string, timeoutMs = PULL_TIMEOUT_MS): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`pull of ${image} timed out`)), timeoutMs);
  try {
    const stream = await docker.pull(image, { abortSignal: abort.signal });
    const output = await new Promise<PullProgress[]>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, out: PullProgress[]) =>
        err ? reject(err) : resolve(out),
      );
    });
    const failed = output.find((line) => line.error !== undefined || line.errorDetail !== undefined);
    if (failed) throw new Error(failed.errorDetail?.message ?? failed.error ?? 'pull failed');
  } finally {
    clearTimeout(timer);
  }
}
