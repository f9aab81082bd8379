import { type ExecutionResult, GraphQLError } from "graphql";
import { shapeAnswer } from "./shape";
import type { EntityNode, EntityStep, Plan, PlanFetch } from "./types";

type Variables = Record<string, unknown>;
type Path = (string | number)[];

/** The client's variables a fetch uses. */
function pick(variables: Variables | undefined, names: readonly string[]): Variables {
  const out: Variables = {};
  if (variables === undefined) return out;
  for (const name of names) if (Object.hasOwn(variables, name)) out[name] = variables[name];
  return out;
}

/** Asks the passthrough executor to parse the answer itself (a broken body becomes its coded error there). */
const PARSE = { parse: true };

/** Calls one source with a plan's document (through the upstream pipeline, via its executor). */
async function call(fetch: PlanFetch, variables: Variables, context: unknown): Promise<ExecutionResult> {
  return (await fetch.source.executor({
    document: fetch.document,
    variables,
    context: context as Record<string, unknown>,
    extensions: PARSE,
    operationType: "query" as never,
  })) as ExecutionResult;
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

/**
 * Locates one step's errors on the client's answer: an error inside result `i` of node `_n` goes to every
 * object with that result's key, at the same relative path (or at the node's first field for an error on
 * the object itself); an unlocated error (the call failed) goes to the first field of every object.
 */
function locateStepErrors(
  step: EntityStep,
  data: Record<string, unknown>,
  answer: ExecutionResult,
  keys: readonly unknown[][],
  errors: GraphQLError[],
): void {
  const located = new Map<EntityNode, { targets: Record<string, unknown>[]; paths: Path[] }>();
  const targetsOf = (node: EntityNode) => {
    let found = located.get(node);
    if (found === undefined) {
      found = { targets: [], paths: [] };
      collect(data, node.path, 0, found.targets, found.paths, []);
      located.set(node, found);
    }
    return found;
  };
  for (const error of answer.errors ?? []) {
    const head = error.path?.[0];
    const index = error.path?.[1];
    const nodeIndex = step.nodes.findIndex((node) => node.alias === head);
    const node = step.nodes[nodeIndex];
    if (node === undefined || typeof index !== "number" || error.path === undefined) {
      for (const each of step.nodes) {
        const { targets, paths } = targetsOf(each);
        targets.forEach((target, at) => {
          if (target[each.parentKey] !== null && target[each.parentKey] !== undefined)
            errors.push(locatedAt(error as GraphQLError, [...(paths[at] as Path), each.fills[0] as string]));
        });
      }
      continue;
    }
    const results = (answer.data as Record<string, unknown> | null | undefined)?.[node.alias];
    const result = Array.isArray(results) ? (results[index] as Record<string, unknown> | null) : null;
    const key = result?.[node.resultKey] ?? keys[nodeIndex]?.[index];
    const rest = error.path.slice(2);
    const { targets, paths } = targetsOf(node);
    targets.forEach((target, at) => {
      if (target[node.parentKey] !== key) return;
      const tail = rest.length === 0 ? [node.fills[0] as string] : rest;
      errors.push(locatedAt(error as GraphQLError, [...(paths[at] as Path), ...tail]));
    });
  }
}

/** Per request: node signature -> key -> the result already received for it (see {@link EntityNode.signature}). */
type Answered = Map<string, Map<unknown, Record<string, unknown>>>;

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
  let any = false;
  for (const node of step.nodes) {
    const found: Record<string, unknown>[] = [];
    collect(data, node.path, 0, found);
    const known = node.signature === undefined ? undefined : answered.get(node.signature);
    const all = keysOf(found, node.parentKey);
    const nodeKeys = known === undefined ? all : all.filter((key) => !known.has(key));
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
    let byKey = node.signature === undefined ? undefined : answered.get(node.signature);
    if (byKey === undefined) {
      byKey = new Map();
      if (node.signature !== undefined) answered.set(node.signature, byKey);
    }
    if (Array.isArray(results)) {
      for (const result of results as (Record<string, unknown> | null)[]) {
        if (result !== null && result !== undefined) byKey.set(result[node.resultKey], result);
      }
    }
    for (const target of targets[index] ?? []) {
      const result = byKey.get(target[node.parentKey]);
      if (result === undefined) continue;
      for (const fill of node.fills) target[fill] = result[fill];
    }
  });
  if (answer?.errors !== undefined && answer.errors.length > 0) locateStepErrors(step, data, answer, keys, errors);
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
  const answers = await Promise.all(plan.roots.map((fetch) => call(fetch, pick(variables, fetch.variables), context)));
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
  const answered: Answered = new Map();
  for (const steps of plan.levels) {
    await Promise.all(steps.map((step) => runStep(step, data, variables, context, errors, answered)));
  }
  const shaped = shapeAnswer(plan.shape, data, errors);
  return errors.length === 0 ? { data: shaped } : { errors, data: shaped };
}
