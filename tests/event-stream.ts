/** One Server-Sent Event as a browser's EventSource reads it. */
export interface StreamEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads a Server-Sent Events answer over real HTTP (fetch), as an EventSource would, keeping every event, so
 * that a test can wait for one that matches and check what came before it.
 */
export class EventStream {
  readonly events: StreamEvent[] = [];
  private waiters: { match: (e: StreamEvent) => boolean; resolve: (e: StreamEvent) => void }[] = [];
  private readonly abort = new AbortController();
  /** Resolves when the server ends the answer. */
  readonly ended: Promise<void>;

  private constructor(body: ReadableStream<Uint8Array>) {
    this.ended = this.read(body);
  }

  static async open(url: string, headers: Record<string, string>): Promise<EventStream> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: abort.signal });
    if (res.status !== 200) throw new Error(`stream answered ${res.status}: ${await res.text()}`);
    const stream = new EventStream(res.body!);
    stream.abort.signal.addEventListener('abort', () => abort.abort());
    return stream;
  }

  /** The first event (since `from`, an index into `events`) that matches, waiting for it if need be. */
  next(match: (e: StreamEvent) => boolean, from = 0, timeoutMs = 10_000): Promise<StreamEvent> {
    const seen = this.events.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(this.events)}`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let text = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          this.take(text.slice(0, end));
          text = text.slice(end + 2);
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
  }

  private take(block: string): void {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
    }
    if (!fields.has('data')) return;
    const event = {
      id: fields.get('id'),
      event: fields.get('event') ?? 'message',
      data: JSON.parse(fields.get('data')!) as Record<string, unknown>,
    };
    this.events.push(event);
    this.waiters = this.waiters.filter((w) => !(w.match(event) && (w.resolve(event), true)));
  }
}
