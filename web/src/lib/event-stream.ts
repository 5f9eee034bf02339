/**
 * The events of a `text/event-stream` body as they arrive, for streams a plain EventSource cannot open (a POST
 * with a body). Only what the server sends is read: `event:` and one `data:` line of JSON per event.
 */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: unknown }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: ?(.*)$/m.exec(block)?.[1];
        if (data !== undefined) yield { event, data: JSON.parse(data) as unknown };
      }
    }
  } finally {
    reader.releaseLock();
  }
}
