/**
 * An async iterator fed from outside: the SSE stream of one subscription receives each event's result
 * through {@link PushStream.push}. `return()` (the client went away) ends it and calls `onEnd` once.
 */
export interface PushStream<T> extends AsyncIterableIterator<T> {
  /** Queues a value for the reader. */
  push(value: T): void;
  /** Ends the stream after the queued values. */
  end(): void;
}

/**
 * Creates a {@link PushStream}.
 * @param onEnd - called once when the stream ends, whichever side ends it
 * @returns the stream
 */
export function createPushStream<T>(onEnd: () => void): PushStream<T> {
  const queue: T[] = [];
  let done = false;
  let wake: (() => void) | undefined;
  const finish = (): void => {
    if (done) return;
    done = true;
    wake?.();
    onEnd();
  };
  const stream: PushStream<T> = {
    push(value) {
      if (done) return;
      queue.push(value);
      wake?.();
    },
    end: finish,
    async next(): Promise<IteratorResult<T>> {
      while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (queue.length > 0) return { done: false, value: queue.shift() as T };
      return { done: true, value: undefined };
    },
    async return(): Promise<IteratorResult<T>> {
      queue.length = 0;
      finish();
      return { done: true, value: undefined };
    },
    async throw(): Promise<IteratorResult<T>> {
      queue.length = 0;
      finish();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
