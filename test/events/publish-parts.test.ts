/**
 * The parts of @publish on a schema of their own: rendering a topic from a result (dotted paths, missing
 * values), what a remote mutation adds to the selection delegated to the remote, and how the remote's
 * answer (keyed by response keys) becomes the payload (keyed by field names).
 */
import {
  buildSchema,
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
} from "graphql";
import { describe, expect, it } from "vitest";
import { renderTopic, responsePayload, withTemplateSelections } from "../../src/events";

const schema = buildSchema(`
  type Customer { id: ID! name: String! }
  interface Node { id: ID! }
  type Order implements Node { id: ID! total: Float! customer: Customer! lines: [Line!]! }
  type Line { sku: String! qty: Int! }
  type Query { node: Node }
  type Mutation { placeOrder(sku: String!): Order! }
`);

/** The mutation's field nodes and fragments of `document`. */
function fieldOf(document: string): { nodes: FieldNode[]; fragments: Record<string, FragmentDefinitionNode> } {
  const parsed = parse(document);
  const operation = parsed.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments = Object.fromEntries(
    parsed.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  return { nodes: [operation.selectionSet.selections[0] as FieldNode], fragments };
}

describe("withTemplateSelections", () => {
  it("adds each {result.x} path under its own alias, nested paths selecting their way down", () => {
    const { nodes } = fieldOf(`mutation { placeOrder(sku: "a") { id: total } }`);
    const added = withTemplateSelections(nodes, "orders.{result.customer.id}.{result.id}.{args.sku}");
    expect(print(added[0] as FieldNode).replace(/\s+/g, " ")).toBe(
      'placeOrder(sku: "a") { id: total junction_publish_0: customer { junction_publish_0: id } junction_publish_1: id }',
    );
    // One stable array per nodes and template (delegation may cache on it); none added without {result.x}.
    expect(withTemplateSelections(nodes, "orders.{result.customer.id}.{result.id}.{args.sku}")).toBe(added);
    expect(withTemplateSelections(nodes, "orders.{args.sku}")).toBe(nodes);
  });
});

describe("responsePayload", () => {
  it("keys the remote's answer by field names: aliases, fragments, lists and the added fields", () => {
    const { nodes, fragments } = fieldOf(`
      mutation { placeOrder(sku: "a") { id: total ...F lines { n: qty sku } } }
      fragment F on Order { customer { who: name } }
    `);
    const augmented = withTemplateSelections(nodes, "orders.{result.id}.{result.customer.id}");
    const answer = {
      id: 12.5,
      customer: { who: "Ada" },
      lines: [{ n: 2, sku: "a" }],
      junction_publish_0: "o7",
      junction_publish_1: { junction_publish_1: "c1" },
    };
    const type = schema.getMutationType()?.getFields().placeOrder?.type;
    const payload = responsePayload(answer, type as never, augmented, { schema, fragments, variableValues: {} });
    expect(payload).toEqual({
      total: 12.5,
      id: "o7",
      customer: { name: "Ada", id: "c1" },
      lines: [{ qty: 2, sku: "a" }],
    });
  });
});

describe("renderTopic", () => {
  it("reads dotted {result.x} paths, {args.x} and {session.x}", () => {
    const scope = { args: { kind: "paid" }, session: { "user-id": "42" }, result: { owner: { id: "o1" }, n: 7 } };
    expect(renderTopic("owners.{result.owner.id}.{args.kind}.{result.n}.{session.user-id}", scope)).toBe(
      "owners.o1.paid.7.42",
    );
  });

  it("refuses a missing, null, empty or object value instead of rendering an empty segment", () => {
    for (const result of [{}, { owner: null }, { owner: { id: "" } }, { owner: { id: { deep: 1 } } }]) {
      expect(() => renderTopic("owners.{result.owner.id}", { args: {}, result })).toThrow(
        /no value for \{result\.owner\.id\}/,
      );
    }
    expect(() => renderTopic("owners.{session.user-id}", { args: {}, session: {}, result: {} })).toThrow(
      /session variable/,
    );
  });

  it("refuses a value that makes a malformed topic", () => {
    expect(() => renderTopic("owners.{result.id}", { args: {}, result: { id: "a/b" } })).toThrow(/Invalid topic/);
  });
});
