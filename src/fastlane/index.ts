/**
 * fastlane/: the fast lane of `/graphql` for operations one remote answers alone (issue 16). After an
 * operation's first run through Yoga (validation, limits, permissions, the passthrough plugin's
 * decision), later runs of the same document by the same role skip Yoga's per-request pipeline: the
 * body is read once, the cached decision sends it upstream through the remote's passthrough executor,
 * and an answer without errors goes to the client as read (lane.ts); one `@rest` root field is called
 * without graphql-js execution and shaped to its selection (rest.ts). `execution.fastLane: false`
 * turns it off. See docs/performance.md "Fast lane".
 */
export { type LaneMediaType, laneMediaType } from "./accept";
export { DEFAULT_MAX_DECISIONS, decisionKey, type LaneDecision, LaneDecisions, type LaneTarget } from "./decisions";
export { createFastLane, type FastLane, type FastLaneOptions, fastLaneCounters, type LaneRequest } from "./lane";
export { decideRestLane, type RestLaneOutcome, type RestLaneTarget, runRestLane } from "./rest";
