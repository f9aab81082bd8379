/**
 * shared/: the leaf every folder may import (it imports only observability's Logger type). Types of a
 * request (session, request context, upstream context, fetch), header and session-variable names, the
 * one field collector, and small caches. Nothing here does I/O or holds state across requests.
 */
export { createNestedCache, type NestedCache, requestMemo, selectionKey } from "./caches";
export {
  type CollectedFields,
  type CollectOptions,
  collectFields,
  collectPossibleFields,
  type Fragments,
  fieldOwner,
  fragmentsOf,
  introspects,
  MAX_SELECTION_NESTING,
  rootSelections,
} from "./collect-fields";
export { fromHex, hmacSha256Key, sha256Hex, toHex } from "./crypto";
export {
  ADMIN_SECRET_HEADER,
  GATEWAY_TOKEN_HEADER,
  HEADER_NAME,
  ROLE_VARIABLE,
  SESSION_VARIABLE_PREFIX,
  USER_ID_VARIABLE,
} from "./names";
export { cappedStream, concatBytes } from "./streams";
export { declaresUploadVariable, namedTypeName } from "./type-nodes";
export {
  type CustomizedNames,
  type EventTriggerSink,
  type FastLaneHandoff,
  type FastLaneHooks,
  type FetchFn,
  type GatewayContext,
  isUpstreamContext,
  type PassthroughAnswer,
  type PassthroughCall,
  type PassthroughExecutor,
  type RemoteSubscribe,
  type RemoteSubscriptionRequest,
  type RequestTrace,
  type Session,
  type TraceAttributeValue,
  type TraceSpan,
  type UploadedFiles,
  type UpstreamContext,
  type WaitUntil,
} from "./types";
