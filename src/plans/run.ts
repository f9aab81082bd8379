import { type ExecutionResult, GraphQLError } from "graphql";
import { isUpstreamContext } from "../shared";
import { shapeAnswer } from "./shape";
import type { EntityNode, EntityStep, Plan, PlanFetch, RootFetch } from "./types";

type Variables = Record<string, unknown>;
type Path = (string | number)[];

/** The client's variables a fetch uses. */
function pick(variables: Variables | undefined, names: readonly string[]): Variables {
  const out: Variables = {};
  if (variables === undefined) return out;
  for (const name of names) if (Object.hasOwn(variables, name)) out[name] = variables[name];
  return out;
}

/**
 * Calls one source with a plan's document through its passthrough executor's `send` (the upstream
 * pipeline), the answer always parsed (`parse`): a plan reads every answer, and a broken body gets its
 * UPSTREAM_* code there.
 */
async function call(
  fetch: PlanFetch,
  variables: Variables,
  context: unknown,
  operation: "query" | "mutation" = "query",
): Promise<ExecutionResult> {
  const answer = await fetch.source.executor.send({
    query: fetch.text,
    variables,
    operationName: undefined,
    operationType: operation,
    context: isUpstreamContext(context) ? context : undefined,
    parse: true,
  });
  // `parse` makes every answer a result; the raw form stays typed for the fast lane's callers.
  return answer.result ?? (JSON.parse(answer.raw) as ExecutionResult);
}

/** An upstream error moved to a path of the client's answer. */
const locatedAt = (error: GraphQLError, path: readonly (string | number)[]): GraphQLError =>
  new GraphQLError(error.message, { path, extensions: error.extensions, originalError: error.originalError });

/**
 * The objects found at `path` (response keys; lists walked through, nulls skipped), and with `paths`
 * each one's path in the answer.
 */
function collect(
  value: unknown,
  path: readonly string[],
  at: number,
  out: Record<string, unknown>[],
  paths?: Path[],
  current?: Path,
): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      collect(value[index], path, at, out, paths, current === undefined ? undefined : [...current, index]);
    }
    return;
  }
  if (at === path.length) {
    out.push(value as Record<string, unknown>);
    if (paths !== undefined) paths.push(current ?? []);
    return;
  }
  const key = path[at] as string;
  collect(
    (value as Record<string, unknown>)[key],
    path,
    at + 1,
    out,
    paths,
    current === undefined ? undefined : [...current, key],
  );
}

/** The distinct keys of the objects (null keys left out; a list key gives each of its items), in first-seen order. */
function keysOf(targets: readonly Record<string, unknown>[], field: string): unknown[] {
  const seen = new Set<unknown>();
  for (const target of targets) {
    const key = target[field];
    if (Array.isArray(key)) {
      for (const item of key) if (item !== null && item !== undefined) seen.add(item);
    } else if (key !== null && key !== undefined) seen.add(key);
  }
  return [...seen];
}

/**
 * Sets a batched @join's field on its parents: the results grouped by key (compared as strings, as
 * the joins' batched resolver matches them); a list field gets every match, an object field the first.
 */
function assignJoined(
  node: EntityNode,
  results: readonly unknown[],
  targets: readonly Record<string, unknown>[],
): void {
  const groups = new Map<string, unknown[]>();
  for (const result of results) {
    if (result === null || typeof result !== "object") continue;
    const key = (result as Record<string, unknown>)[node.resultKey];
    if (key === null || key === undefined) continue;
    const group = groups.get(String(key));
    if (group === undefined) groups.set(String(key), [result]);
    else group.push(result);
  }
  const many = node.join?.many === true;
  const field = node.fills[0] as string;
  for (const target of targets) {
    const key = target[node.parentKey];
    const matches =
      key === null || key === undefined
        ? []
        : Array.isArray(key)
          ? key.flatMap((item) => groups.get(String(item)) ?? [])
          : (groups.get(String(key)) ?? []);
    target[field] = many ? matches : (matches[0] ?? null);
  }
}

/** Per request: what entity calls answered, by node signature (see {@link EntityNode.signature}) and key. */
interface Answered {
  /** The result for a key (null: the call failed for it), reused by later nodes with the same signature. */
  results: Map<string, Map<unknown, Record<string, unknown> | null>>;
  /** The errors a key's call gave, each with its path below the object, placed again wherever the key is reused. */
  errors: Map<string, Map<unknown, { error: GraphQLError; tail: Path }[]>>;
}

/** The objects of a node with their paths in the answer (collected once per node when errors need paths). */
type Located = Map<EntityNode, { targets: Record<string, unknown>[]; paths: Path[] }>;

function targetsWithPaths(located: Located, data: Record<string, unknown>, node: EntityNode) {
  let found = located.get(node);
  if (found === undefined) {
    found = { targets: [], paths: [] };
    collect(data, node.path, 0, found.targets, found.paths, []);
    located.set(node, found);
  }
  return found;
}

/**
 * Records one step's errors by key: an error inside result `i` of node `_n` belongs to that result's key,
 * at its path below the object (or at the node's first field for an error on the object itself); an
 * unlocated error (the call failed) belongs to every key sent, at the node's first field, and those keys
 * are remembered as failed (not asked again). A @join node's errors are placed on its objects at once.
 */
function recordStepErrors(
  step: EntityStep,
  data: Record<string, unknown>,
  answer: ExecutionResult,
  keys: readonly unknown[][],
  answered: Answered,
  errors: GraphQLError[],
  located: Located,
): void {
  const record = (node: EntityNode, key: unknown, error: GraphQLError, tail: Path): void => {
    if (node.signature === undefined) {
      const { targets, paths } = targetsWithPaths(located, data, node);
      targets.forEach((target, at) => {
        if (target[node.parentKey] === key) errors.push(locatedAt(error, [...(paths[at] as Path), ...tail]));
      });
      return;
    }
    let byKey = answered.errors.get(node.signature);
    if (byKey === undefined) {
      byKey = new Map();
      answered.errors.set(node.signature, byKey);
    }
    const known = byKey.get(key) ?? [];
    // Two nodes of one step may share a signature: one failed call is recorded once per key.
    if (known.some((entry) => entry.error === error && entry.tail.join("\u0000") === tail.join("\u0000"))) return;
    byKey.set(key, [...known, { error, tail }]);
  };
  for (const error of (answer.errors ?? []) as GraphQLError[]) {
    const head = error.path?.[0];
    const index = error.path?.[1];
    const nodeIndex = step.nodes.findIndex((node) => node.alias === head);
    const node = step.nodes[nodeIndex];
    if (node === undefined || typeof index !== "number" || error.path === undefined) {
      step.nodes.forEach((each, at) => {
        for (const key of keys[at] ?? []) {
          if (each.signature !== undefined && !answered.results.get(each.signature)?.has(key)) {
            answered.results.get(each.signature)?.set(key, null);
          }
          record(each, key, error, [each.fills[0] as string]);
        }
      });
      continue;
    }
    const results = (answer.data as Record<string, unknown> | null | undefined)?.[node.alias];
    const result = Array.isArray(results) ? (results[index] as Record<string, unknown> | null) : null;
    const key = result?.[node.resultKey] ?? keys[nodeIndex]?.[index];
    const rest = error.path.slice(2);
    record(node, key, error, rest.length === 0 ? [node.fills[0] as string] : rest);
  }
}

/** Places the recorded errors of every key a merged-type node completed (fetched now or reused) on its objects. */
function placeKeyErrors(
  step: EntityStep,
  data: Record<string, unknown>,
  answered: Answered,
  errors: GraphQLError[],
  located: Located,
): void {
  for (const node of step.nodes) {
    const byKey = node.signature === undefined ? undefined : answered.errors.get(node.signature);
    if (byKey === undefined || byKey.size === 0) continue;
    const { targets, paths } = targetsWithPaths(located, data, node);
    targets.forEach((target, at) => {
      for (const { error, tail } of byKey.get(target[node.parentKey]) ?? []) {
        errors.push(locatedAt(error, [...(paths[at] as Path), ...tail]));
      }
    });
  }
}

/**
 * Runs one entity step: collects the keys of its nodes, leaves out those an earlier level already
 * answered for the same call and selection, calls the source once (not at all when no key is left) and
 * assigns the results.
 */
async function runStep(
  step: EntityStep,
  data: Record<string, unknown>,
  variables: Variables | undefined,
  context: unknown,
  errors: GraphQLError[],
  answered: Answered,
): Promise<void> {
  const sent = pick(variables, step.variables);
  const targets: Record<string, unknown>[][] = [];
  const keys: unknown[][] = [];
  const inStep = new Map<string, Set<unknown>>();
  let any = false;
  for (const node of step.nodes) {
    const found: Record<string, unknown>[] = [];
    collect(data, node.path, 0, found);
    const known = node.signature === undefined ? undefined : answered.results.get(node.signature);
    // Two nodes of one step may share a signature: each key is sent once, by the first of them.
    const sending = node.signature === undefined ? undefined : (inStep.get(node.signature) ?? new Set<unknown>());
    if (node.signature !== undefined && sending !== undefined) inStep.set(node.signature, sending);
    const all = keysOf(found, node.parentKey);
    const nodeKeys = all.filter((key) => !known?.has(key) && !sending?.has(key));
    for (const key of nodeKeys) sending?.add(key);
    targets.push(found);
    keys.push(nodeKeys);
    sent[node.alias] = nodeKeys;
    if (node.constants !== undefined) Object.assign(sent, node.constants);
    if (nodeKeys.length > 0) any = true;
  }
  const answer = any ? await call(step, sent, context) : undefined;
  const received = answer?.data as Record<string, unknown> | null | undefined;
  step.nodes.forEach((node, index) => {
    const results = received?.[node.alias];
    if (node.join !== undefined) {
      if (answer === undefined) assignJoined(node, [], targets[index] ?? []);
      else if (Array.isArray(results)) assignJoined(node, results, targets[index] ?? []);
      return;
    }
    let byKey = node.signature === undefined ? undefined : answered.results.get(node.signature);
    if (byKey === undefined) {
      byKey = new Map();
      if (node.signature !== undefined) answered.results.set(node.signature, byKey);
    }
    if (Array.isArray(results)) {
      for (const result of results as (Record<string, unknown> | null)[]) {
        if (result !== null && result !== undefined) byKey.set(result[node.resultKey], result);
      }
    }
    for (const target of targets[index] ?? []) {
      const result = byKey.get(target[node.parentKey]);
      if (result === undefined || result === null) continue;
      for (const fill of node.fills) target[fill] = result[fill];
    }
  });
  const located: Located = new Map();
  if (answer?.errors !== undefined && answer.errors.length > 0) {
    recordStepErrors(step, data, answer, keys, answered, errors, located);
  }
  if (answered.errors.size > 0) placeKeyErrors(step, data, answered, errors, located);
}

/**
 * Runs a plan for one request: the root fetches in parallel, then each level's entity steps in parallel
 * (one call per source and level), the answers merged by path, then the final shaping pass.
 *
 * @param plan - the cached plan
 * @param variables - the client's variables, as sent (each upstream gets those its document uses)
 * @param context - the request's context (the upstream pipeline reads it)
 * @returns the client's result: `data` shaped, `errors` located on the client's paths
 */
export async function runPlan(
  plan: Plan,
  variables: Variables | undefined,
  context: unknown,
): Promise<ExecutionResult> {
  const data: Record<string, unknown> = {};
  const errors: GraphQLError[] = [];
  const send = (fetch: RootFetch) => call(fetch, pick(variables, fetch.variables), context, fetch.operation);
  let answers: ExecutionResult[];
  if (plan.roots[0]?.operation === "mutation") {
    // One after another, in the client's order (GraphQL spec section 6.2.2).
    answers = [];
    for (const fetch of plan.roots) answers.push(await send(fetch));
  } else {
    answers = await Promise.all(plan.roots.map(send));
  }
  answers.forEach((answer, index) => {
    const fetch = plan.roots[index];
    if (fetch === undefined) return;
    const answered = answer.data as Record<string, unknown> | null | undefined;
    if (answered !== null && answered !== undefined) Object.assign(data, answered);
    for (const error of (answer.errors ?? []) as GraphQLError[]) {
      if (error.path !== undefined || (answered !== null && answered !== undefined)) {
        errors.push(error);
        continue;
      }
      // The call failed as a whole: each of its root fields is null with the error at its path.
      for (const key of fetch.keys) {
        data[key] = null;
        errors.push(locatedAt(error, [key]));
      }
    }
  });
  const answered: Answered = { results: new Map(), errors: new Map() };
  for (const steps of plan.levels) {
    await Promise.all(steps.map((step) => runStep(step, data, variables, context, errors, answered)));
  }
  const shaped = shapeAnswer(plan.shape, data, errors);
  return errors.length === 0 ? { data: shaped } : { errors, data: shaped };
}
