// A container event stream from the engine that survives breaks: when the stream ends or
// errors it reconnects with backoff, asking the engine to replay from the last event seen,
// and tells the owner so it can re-list (events between two connections may be lost).
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';

/** One line of `GET /events`, as much of it as tsswarm reads. */
export interface ContainerEvent {
  Type: string;
  /** create, start, die, oom, kill, stop, destroy, … ("exec_start: …" for execs). */
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

export interface ContainerEventsOptions {
  docker: Dockerode;
  /** Engine label filters, `key=value`. */
  labels: string[];
  log: Logger;
  onEvent: (event: ContainerEvent) => void;
  /** Called after a reconnect (not the first connect). */
  onReconnect: () => void;
}

/** First retry delay after the stream breaks (ms); doubles up to the max. */
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

export class ContainerEvents {
  private stream: Readable | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = RECONNECT_MIN_MS;
  /** Seconds.nanoseconds of the last event, for `since` on reconnect. */
  private lastEventTime: string | undefined;

  constructor(private readonly options: ContainerEventsOptions) {}

  /** Resolves once the first stream is open; rejects if the engine cannot be reached. */
  async start(): Promise<void> {
    this.stopped = false;
    // Events from now on; anything earlier is read by the owner's listing.
    this.lastEventTime ??= nowAsEngineTime();
    await this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    stream?.destroy();
  }

  /** Breaks the current stream as the engine would; for tests of the reconnect path. */
  breakStream(): void {
    this.stream?.destroy(new Error('stream broken on purpose'));
  }

  private async connect(): Promise<void> {
    const { docker, labels } = this.options;
    const stream = (await docker.getEvents({
      since: this.lastEventTime as unknown as number,
      filters: { type: ['container'], label: labels },
    })) as Readable;
    if (this.stopped) {
      stream.destroy();
      return;
    }
    this.stream = stream;
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.retryDelayMs = RECONNECT_MIN_MS;
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') this.dispatch(line);
      }
    });
    let ended = false;
    const onBreak = (reason: string): void => {
      if (ended) return;
      ended = true;
      if (this.stream === stream) this.stream = undefined;
      if (this.stopped) return;
      this.options.log.warn({ reason }, 'engine event stream broke; reconnecting');
      this.scheduleReconnect();
    };
    stream.on('end', () => onBreak('end'));
    stream.on('close', () => onBreak('close'));
    stream.on('error', (err: Error) => onBreak(err.message));
  }

  private dispatch(line: string): void {
    let event: ContainerEvent;
    try {
      event = JSON.parse(line) as ContainerEvent;
    } catch {
      this.options.log.warn({ line }, 'unparsable engine event');
      return;
    }
    // timeNano exceeds 2^53: read its digits from the line, not the parsed number.
    const nanos = /"timeNano":\s*(\d+)/.exec(line)?.[1];
    if (nanos !== undefined) this.lastEventTime = nanosAsEngineTime(BigInt(nanos));
    try {
      this.options.onEvent(event);
    } catch (err) {
      this.options.log.error({ err }, 'engine event handler threw');
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, RECONNECT_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().then(
        () => {
          if (!this.stopped) this.options.onReconnect();
        },
        (err: unknown) => {
          this.options.log.warn({ err, retryInMs: this.retryDelayMs }, 'engine event stream reconnect failed');
          this.scheduleReconnect();
        },
      );
    }, delay);
  }
}

function nowAsEngineTime(): string {
  return nanosAsEngineTime(BigInt(Date.now()) * 1_000_000n);
}

/** The engine's `since` takes "seconds.nanoseconds"; it replays events at that instant too. */
function nanosAsEngineTime(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const rest = nanos % 1_000_000_000n;
  return `${seconds}.${rest.toString().padStart(9, '0')}`;
}
