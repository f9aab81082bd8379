/** The media types the fast lane answers with: Yoga's regular (non-streaming) result processor's. */
export type LaneMediaType = "application/graphql-response+json" | "application/json";

/** Yoga's result processors for a non-subscription request, in the order Yoga tries them. */
const PROCESSORS: readonly (readonly string[])[] = [
  ["text/event-stream"],
  ["multipart/mixed"],
  ["application/graphql-response+json", "application/json"],
];

/** Yoga's `isMatchingMediaType(processor, asked)`: a `*` in the request's media type matches anything. */
function matches(processorType: string, askedType: string): boolean {
  const [processorPre, processorSuf] = processorType.split("/");
  const [pre, suf] = askedType.split("/");
  return (pre === "*" || pre === processorPre) && (suf === "*" || suf === processorSuf);
}

/** Memo of {@link laneMediaType} by Accept value (clients send few distinct ones). */
const memo = new Map<string, LaneMediaType | null>();
const MEMO_MAX = 64;

/**
 * The media type Yoga 5 answers a query or mutation with, for a request's `Accept`, when it is one the
 * fast lane writes itself; null when Yoga would choose SSE or multipart, or answer 406. A port of
 * graphql-yoga's `getMediaTypesForRequestInOrder` and `useResultProcessors` (plugins/result-processor/
 * accept.js, use-result-processor.js): media types are read without whitespace, lower-cased, those
 * with a charset other than utf-8 dropped, then reversed; every processor is tried against every type
 * and the last match wins (so the first listed type has priority). No `Accept` counts as `*\/*`.
 *
 * @param accept - the request's `Accept` header, or null
 * @returns the media type, or null
 */
export function laneMediaType(accept: string | null): LaneMediaType | null {
  const header = accept || "*/*";
  const known = memo.get(header);
  if (known !== undefined) return known;
  const types: string[] = [];
  for (const part of header.replace(/\s/g, "").toLowerCase().split(",")) {
    const [type, ...params] = part.split(";");
    if (type === undefined) continue;
    const charset = params.find((param) => param.includes("charset=")) ?? "charset=utf-8";
    if (charset === "charset=utf-8") types.push(type);
  }
  types.reverse();
  let chosen: string | undefined;
  for (const processor of PROCESSORS) {
    for (const asked of types) {
      for (const type of processor) if (matches(type, asked)) chosen = type;
    }
  }
  const result =
    chosen === "application/json" || chosen === "application/graphql-response+json" ? (chosen as LaneMediaType) : null;
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(header, result);
  return result;
}
