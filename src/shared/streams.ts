/**
 * A body stream that errors once more than `maxBytes` have passed through it: the reader gets the error
 * instead of the byte past the limit, so no more than `maxBytes` is ever read or buffered. Used for
 * upstream answers (`maxResponseBytes`) and JWK Sets (64 KB).
 *
 * @param body - the stream to count (a response's body)
 * @param maxBytes - the most bytes allowed through
 * @param tooLarge - makes the error the stream fails with (called once, when the limit is passed)
 * @returns the counted stream
 */
export function cappedStream(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  tooLarge: () => unknown,
): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * Concatenates byte arrays into one.
 * @param chunks - the arrays, in order
 * @returns a new array of their total length
 */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
