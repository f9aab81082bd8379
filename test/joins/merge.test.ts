/**
 * Entity merging (`remotes[].merge`, docs/joins.md): the `people` and `reviews` remotes both have a
 * `User` type with different fields, merged by key. A list resolver gets all keys of a level in one
 * call and its results are matched by the key field (the fixtures answer in reverse order and leave
 * unknown keys out); a single-key resolver gets one delegation per key, all in one HTTP request.
 */
import { describe, expect, it } from "vitest";
import type { RemoteStatus } from "../../src/compose";
import { getJson, mergeGateway, ok, PEOPLE_MERGE, REVIEWS_MERGE } from "../fixtures/gateways";
import { control, uniqueId } from "../helpers";
import { authorOf, type JoinStatus, operations, PEOPLE, range, received, rootSelections, timesSent } from "./setup";

const BOTH = ["people", "reviews"] as const;

/** The reviews of user uN as reviews answers them (id and stars). */
const reviewsOf = (n: number) => [
  { id: `r${2 * n - 1}`, stars: ((2 * n - 2) % 5) + 1 },
  { id: `r${2 * n}`, stars: ((2 * n - 1) % 5) + 1 },
];

describe("merging with list resolvers", () => {
  it("adds reviews' fields to people's users with one call per remote, matched by id", async () => {
    const id = uniqueId();
    const gw = mergeGateway(id);
    const data = ok(await gw.graphql("{ people { id name reviews { id stars } } }"));
    expect(data.people).toEqual(PEOPLE.map((p, i) => ({ id: p.id, name: p.name, reviews: reviewsOf(i + 1) })));
    expect(await operations(id, BOTH)).toEqual({ people: 1, reviews: 1 });
    const reviews = await received(id, "reviews");
    expect(rootSelections(reviews, "reviewAuthorsByIds")).toBe(1);
    for (const key of ["u1", "u2", "u3", "u4", "u5"]) expect(timesSent(reviews, key), key).toBe(1);
  });

  it("adds people's fields to reviews' authors: distinct keys, one call, key hidden when not selected", async () => {
    const id = uniqueId();
    const gw = mergeGateway(id);
    const data = ok(await gw.graphql("{ topReviews { id author { name email } } }"));
    expect(data.topReviews).toEqual(
      range(10).map((k) => {
        const p = PEOPLE[Number(authorOf(k).slice(1)) - 1];
        return { id: `r${k}`, author: { name: p?.name, email: p?.email } };
      }),
    );
    expect(await operations(id, BOTH)).toEqual({ people: 1, reviews: 1 });
    const people = await received(id, "people");
    expect(rootSelections(people, "usersByIds")).toBe(1);
    // 10 reviews, 5 authors: each key sent once.
    for (const key of ["u1", "u2", "u3", "u4", "u5"]) expect(timesSent(people, key), key).toBe(1);
  });

  it("makes one call per level over three levels: people -> reviews -> people", async () => {
    const id = uniqueId();
    const gw = mergeGateway(id);
    const data = ok(await gw.graphql("{ people { name reviews { id author { email } } } }"));
    expect(data.people).toEqual(
      PEOPLE.map((p, i) => ({
        name: p.name,
        reviews: reviewsOf(i + 1).map((r) => ({ id: r.id, author: { email: p.email } })),
      })),
    );
    expect(await operations(id, BOTH)).toEqual({ people: 2, reviews: 1 });
  });

  it("answers null merged fields for a key the other remote does not know", async () => {
    const id = uniqueId();
    // people v2 has nullable name and email; orphanReviews is by u404, whom people does not know.
    await control(id, "people", { version: "v2" });
    const gw = mergeGateway(id);
    const data = ok(await gw.graphql("{ orphanReviews { id author { id name email } } }"));
    expect(data).toEqual({ orphanReviews: [{ id: "r99", author: { id: "u404", name: null, email: null } }] });
    expect(await operations(id, BOTH)).toEqual({ people: 1, reviews: 1 });
  });

  it("handles aliases, fragments and variables on merged fields", async () => {
    const id = uniqueId();
    const gw = mergeGateway(id);
    const data = ok(
      await gw.graphql(
        `query ($with: Boolean!) { all: people { ...U } }
         fragment U on User { who: name ... on User { rs: reviews @include(if: $with) { stars } } }`,
        { with: true },
      ),
    );
    expect(data.all).toEqual(
      PEOPLE.map((p, i) => ({ who: p.name, rs: reviewsOf(i + 1).map(({ stars }) => ({ stars })) })),
    );
    expect(await operations(id, BOTH)).toEqual({ people: 1, reviews: 1 });
    const without = ok(
      await gw.graphql("query ($with: Boolean!) { people { name reviews @include(if: $with) { id } } }", {
        with: false,
      }),
    );
    expect(without.people).toEqual(PEOPLE.map((p) => ({ name: p.name })));
    // reviews not selected: not called.
    expect(await operations(id, BOTH)).toEqual({ people: 2, reviews: 1 });
  });

  it("translates merge names through customization (type and field renames)", async () => {
    const id = uniqueId();
    const gw = mergeGateway(
      id,
      {
        merge: PEOPLE_MERGE,
        customization: {
          typeNames: { mapping: { User: "Person" } },
          fieldNames: [
            { parentType: "Query", mapping: { usersByIds: "personsByIds", people: "persons" } },
            { parentType: "User", mapping: { name: "fullName" } },
          ],
        },
      },
      { merge: REVIEWS_MERGE, customization: { typeNames: { mapping: { User: "Person" } } } },
    );
    const data = ok(await gw.graphql("{ persons { __typename fullName reviews { id } } }"));
    expect(data.persons).toEqual(
      PEOPLE.map((p, i) => ({
        __typename: "Person",
        fullName: p.name,
        reviews: reviewsOf(i + 1).map(({ id }) => ({ id })),
      })),
    );
    const back = ok(await gw.graphql("{ topReviews { author { fullName } } }"));
    expect((back.topReviews as unknown[])[9]).toEqual({ author: { fullName: "Emil" } });
    expect(await operations(id, BOTH)).toEqual({ people: 2, reviews: 2 });
    expect(rootSelections(await received(id, "people"), "usersByIds")).toBe(1);
  });
});

describe("merging with a single-key resolver", () => {
  it("sends one delegation per key as ONE upstream HTTP request", async () => {
    const id = uniqueId();
    const gw = mergeGateway(id, { merge: { User: { key: "id", resolver: "user", argument: "id" } } });
    const data = ok(await gw.graphql("{ topReviews { id author { name } } }"));
    expect(data.topReviews).toEqual(
      range(10).map((k) => ({ id: `r${k}`, author: { name: PEOPLE[Number(authorOf(k).slice(1)) - 1]?.name } })),
    );
    expect(await operations(id, BOTH)).toEqual({ people: 1, reviews: 1 });
    const people = await received(id, "people");
    // One aliased selection of user(id:) per key; never more than one per review.
    const selections = rootSelections(people, "user");
    expect(selections).toBeGreaterThanOrEqual(5);
    expect(selections).toBeLessThanOrEqual(10);
  });
});

describe("a type in two remotes", () => {
  it("is a SCHEMA_CONFLICT when only one of them has it in merge", async () => {
    const id = uniqueId();
    const gw = mergeGateway(id, { merge: PEOPLE_MERGE }, {});
    const data = ok(await gw.graphql("{ people { name } }"));
    expect(data.people).toHaveLength(5);
    const { body } = await getJson<{ remotes: RemoteStatus[] }>(gw, "/admin/remotes");
    expect(body.remotes.map((r) => [r.name, r.status])).toEqual([
      ["people", "ok"],
      ["reviews", "error"],
    ]);
    expect(body.remotes[1]?.lastError?.code).toBe("SCHEMA_CONFLICT");
    expect(body.remotes[1]?.lastError?.message).toContain("User");
  });

  it("reports the merge entries of a remote left out by a conflict as errors, not as serving", async () => {
    const id = uniqueId();
    const gw = mergeGateway(id, {}, { merge: REVIEWS_MERGE });
    const { body } = await getJson<{ remotes: RemoteStatus[]; joins: JoinStatus[] }>(gw, "/admin/remotes");
    expect(body.remotes.map((r) => [r.name, r.status])).toEqual([
      ["people", "ok"],
      ["reviews", "error"],
    ]);
    expect(body.joins).toEqual([
      {
        name: "merge:reviews.User",
        status: "error",
        lastError: { code: "SCHEMA_CONFLICT", message: expect.any(String) },
      },
    ]);
  });
});
