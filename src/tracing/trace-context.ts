/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): reading a client's `traceparent` and
 * `tracestate`, writing `traceparent` for upstream requests, and making trace and span ids.
 */

import { toHex } from "../shared";

/** What a valid `traceparent` names: the trace, the caller's span, and whether the caller samples. */
export interface ParentContext {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string;
  /** The caller's span id: 16 lower-case hex digits, not all zero. */
  spanId: string;
  /** The `sampled` bit of `trace-flags`. */
  sampled: boolean;
}

const HEX_PATTERN = /^[0-9a-f]+$/;
const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_SPAN_ID = "0".repeat(16);

/**
 * Reads a `traceparent` header (Trace Context, section 3.2). Version `00` must be exactly
 * `00-<32 hex>-<16 hex>-<2 hex>`; a later version (not `ff`) may carry more after a `-`, and its first
 * four fields are read the same way (section 4.3, "Versioning of traceparent"). Upper-case hex, all-zero ids,
 * version `ff` and any other shape are invalid; so are two headers (`Headers.get` joins them with a comma).
 * @param value - the header's value, or null when absent
 * @returns the parent, or undefined when absent or invalid (the request then starts a new trace)
 */
export function parseTraceparent(value: string | null): ParentContext | undefined {
  if (value === null) return undefined;
  const header = value.trim();
  if (header.length < 55) return undefined;
  const version = header.slice(0, 2);
  if (!HEX_PATTERN.test(version) || version === "ff") return undefined;
  if (version === "00" ? header.length !== 55 : header.length > 55 && header[55] !== "-") return undefined;
  if (header[2] !== "-" || header[35] !== "-" || header[52] !== "-") return undefined;
  const traceId = header.slice(3, 35);
  const spanId = header.slice(36, 52);
  const flags = header.slice(53, 55);
  if (!HEX_PATTERN.test(traceId) || !HEX_PATTERN.test(spanId) || !HEX_PATTERN.test(flags)) return undefined;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** A `tracestate` list member: `key=value` (Trace Context, section 3.3.1; multi-tenant keys included). */
const TRACESTATE_MEMBER =
  /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * Reads a `tracestate` header (Trace Context, section 3.3): at most 32 list members, each `key=value`,
 * empty members allowed and dropped. The gateway adds no entry of its own and passes the list on unchanged.
 * @param value - the header's value (several headers joined with commas), or null
 * @returns the normalised list (members joined by `,`), or undefined when absent, empty or invalid
 */
export function parseTracestate(value: string | null): string | undefined {
  if (value === null) return undefined;
  const members = value
    .split(",")
    .map((member) => member.trim())
    .filter((member) => member !== "");
  if (members.length === 0 || members.length > 32) return undefined;
  for (const member of members) if (!TRACESTATE_MEMBER.test(member)) return undefined;
  return members.join(",");
}

/**
 * Writes a version-00 `traceparent` (Trace Context, section 3.2.2).
 * @param traceId - 32 hex digits
 * @param spanId - the span the receiver is to take as parent, 16 hex digits
 * @param sampled - the `sampled` flag
 * @returns e.g. `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`
 */
export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? "01" : "00"}`;
}

/** `bytes` random bytes as lower-case hex (crypto.getRandomValues), never all zero. */
function randomHex(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  let hex: string;
  do {
    hex = toHex(crypto.getRandomValues(buffer));
  } while (/^0+$/.test(hex));
  return hex;
}

/**
 * A new trace id: 16 random bytes (Trace Context, section 3.2.2.3: random, not all zero).
 * @returns 32 lower-case hex digits
 */
export const newTraceId = (): string => randomHex(16);

/**
 * A new span id: 8 random bytes, not all zero.
 * @returns 16 lower-case hex digits
 */
export const newSpanId = (): string => randomHex(8);
