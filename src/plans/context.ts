import {
  type ArgumentNode,
  type GraphQLSchema,
  Kind,
  print,
  type ValueNode,
  type VariableDefinitionNode,
} from "graphql";
import type { PlanSource, PlanSources } from "../compose";
import type { Fragments } from "../shared";
import type { EntityNode, EntityStep } from "./types";

/** Why an operation has no plan: stitching runs it instead. */
export class Unplannable extends Error {
  override name = "Unplannable";
}

/** Hidden response keys start with this; a client alias that does too makes the operation unplannable. */
export const HIDDEN = "_jk";

/** One upstream document being built: its fields' text and the client variables it uses. */
export interface DocumentBuilder {
  /** Field texts of the document's selection. */
  parts: string[];
  /** Names of the client's variables they use. */
  variables: Set<string>;
  /** The entity node this document part belongs to; undefined for a root fetch. */
  record?: NodeRecord;
}

/** One entity node's part of a step document (steps are assembled from them once every node is placed). */
export interface StepBuilder extends DocumentBuilder {
  /** The entity nodes it holds. */
  nodes: EntityNode[];
  /** Definitions of the keys' (and literal arguments') variables, e.g. `$_0:[String!]!`. */
  keyVariables: string[];
}

/** An entity node while planning: its source, its level, and the node whose results it completes. */
export interface NodeRecord {
  /** The source it calls. */
  source: PlanSource;
  /** The level it runs at (1 and up; moved later by assembleSteps when that saves a call). */
  level: number;
  /** Its part of the step document. */
  builder: StepBuilder;
  /** The node whose results hold its objects; undefined for objects of a root fetch. */
  parent: NodeRecord | undefined;
}

/** Plan-time state of one operation. */
export interface PlanContext {
  /** The composed schema planned on. */
  schema: GraphQLSchema;
  /** Its plan sources. */
  sources: PlanSources;
  /** The document's fragments by name. */
  fragments: Fragments;
  /** The operation's variable definitions by name (copied into each upstream document that uses them). */
  definitions: ReadonlyMap<string, VariableDefinitionNode>;
  /** Every entity node, in planning order. */
  records: NodeRecord[];
  /** Counter naming the resolver calls `_0`, `_1`, ... */
  aliases: number;
  /** Estimated bytes of the documents built so far. */
  bytes: number;
  /** Whether a subtree is copied whole. */
  copiesWhole: boolean;
}

/** Adds the names of the variables a value uses. */
function addVariables(value: ValueNode, into: Set<string>): void {
  if (value.kind === Kind.VARIABLE) into.add(value.name.value);
  else if (value.kind === Kind.LIST) for (const item of value.values) addVariables(item, into);
  else if (value.kind === Kind.OBJECT) for (const field of value.fields) addVariables(field.value, into);
}

/** `(a:1,b:$x)` for a field's arguments, recording the variables used; "" without arguments. */
export function argumentsText(args: readonly ArgumentNode[] | undefined, variables: Set<string>): string {
  if (args === undefined || args.length === 0) return "";
  for (const argument of args) addVariables(argument.value, variables);
  return `(${args.map((argument) => `${argument.name.value}:${print(argument.value)}`).join(",")})`;
}

/** A new entity node of `source` at `level`, completing objects of the document part `parent`. */
export function newNode(context: PlanContext, level: number, source: PlanSource, parent: DocumentBuilder): StepBuilder {
  const builder: StepBuilder = { parts: [], variables: new Set(), nodes: [], keyVariables: [] };
  const record: NodeRecord = { source, level, builder, parent: parent.record };
  builder.record = record;
  context.records.push(record);
  return builder;
}

/**
 * Places the entity nodes on levels and assembles one step per (level, source). A node runs after the
 * node whose objects it completes; it may run later than right after it, as long as it runs before the
 * nodes that complete its own objects: each node is moved to the latest such level where its source
 * already has a call, so the source is called once instead of twice (the plan's depth is unchanged).
 */
export function assembleSteps(context: PlanContext): EntityStep[][] {
  const records = context.records;
  const deepest = Math.max(0, ...records.map((record) => record.level));
  const children = new Map<NodeRecord, NodeRecord[]>();
  for (const record of records) {
    if (record.parent !== undefined) children.set(record.parent, [...(children.get(record.parent) ?? []), record]);
  }
  for (const record of [...records].sort((a, b) => b.level - a.level)) {
    const kids = children.get(record) ?? [];
    const latest = kids.length === 0 ? deepest : Math.min(...kids.map((kid) => kid.level)) - 1;
    for (const other of records) {
      if (other.source === record.source && other.level > record.level && other.level <= latest) {
        record.level = other.level;
      }
    }
  }
  const byLevel = new Map<number, Map<PlanSource, StepBuilder>>();
  for (const record of records) {
    const bySource = byLevel.get(record.level) ?? new Map<PlanSource, StepBuilder>();
    byLevel.set(record.level, bySource);
    const step = bySource.get(record.source) ?? { parts: [], variables: new Set(), nodes: [], keyVariables: [] };
    bySource.set(record.source, step);
    step.parts.push(...record.builder.parts);
    for (const name of record.builder.variables) step.variables.add(name);
    step.nodes.push(...record.builder.nodes);
    step.keyVariables.push(...record.builder.keyVariables);
  }
  return [...byLevel.keys()]
    .sort((a, b) => a - b)
    .map((level) =>
      [...(byLevel.get(level) ?? [])].map(([source, step]) => ({
        source,
        ...documentOf(context, step, step.keyVariables),
        nodes: step.nodes,
      })),
    );
}

/** The text of an upstream document built by the planner (its bytes counted for the cache's bound). */
export function documentOf(
  context: PlanContext,
  builder: DocumentBuilder,
  extra: readonly string[] = [],
  kind: "query" | "mutation" = "query",
): { text: string; variables: string[] } {
  const variables = [...builder.variables];
  const definitions = variables.map((name) => print(context.definitions.get(name) as VariableDefinitionNode));
  const all = [...definitions, ...extra];
  const text = `${kind}${all.length === 0 ? "" : `(${all.join(",")})`}{${builder.parts.join(" ")}}`;
  context.bytes += text.length * 4;
  return { text, variables };
}
