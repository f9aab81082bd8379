/**
 * Example upstream "reviews": a GraphQL Worker (graphql-yoga) with product reviews, reached by the gateway
 * through the service binding REVIEWS only (no public URL, no DNS, no egress). The gateway calls it at
 * https://reviews.binding/graphql (the URL a service binding call carries; see docs/bindings-section.md)
 * with the same headers as any upstream: it answers `viewer` with what it received, to show them.
 * `Product.reviews` in schemas/reviews.graphql joins these reviews to the catalog's products.
 *
 * Run:   npm run dev   (wrangler dev runs it next to the gateway; it has no port of its own)
 * Data:  in memory; `addReview` adds to this isolate's copy only.
 */
import { GraphQLError } from "graphql";
import { createSchema, createYoga } from "graphql-yoga";

/** @typedef {{ id: string, productId: string, rating: number, body: string, author: string }} ReviewRecord */

/** @type {ReviewRecord[]} */
const reviews = [
  { id: "rv-1", productId: "p-100", rating: 5, body: "The switches are a joy.", author: "Ada" },
  { id: "rv-2", productId: "p-100", rating: 4, body: "Loud, but I like it loud.", author: "Grace" },
  { id: "rv-3", productId: "p-101", rating: 3, body: "Takes a week to get used to.", author: "Linus" },
  { id: "rv-4", productId: "p-102", rating: 5, body: "Crisp text, no dead pixels.", author: "Barbara" },
  { id: "rv-5", productId: "p-104", rating: 4, body: "Quiet flights at last.", author: "Ken" },
];

// No description on Query: the gateway's Query is the merge of every remote's, and keeps the catalog's.
const typeDefs = /* GraphQL */ `
  type Query {
    "The reviews of one catalog product (its id, e.g. p-100), newest last."
    reviewsOfProduct(productId: ID!): [Review!]!
    "What the reviews Worker received from the gateway: its URL and the headers it may act on."
    reviewsViewer: ReviewsViewer!
  }

  type Mutation {
    "Adds a review (rating 1 to 5) to this isolate's in-memory copy."
    addReview(productId: ID!, rating: Int!, body: String!): Review!
  }

  type Review {
    id: ID!
    productId: ID!
    rating: Int!
    body: String!
    author: String!
  }

  type ReviewsViewer {
    "The request URL as the bound Worker sees it, e.g. https://reviews.binding/graphql."
    url: String!
    "x-request-id of the gateway request that called it."
    requestId: String
    "Whether an x-gateway-token came with the call (the gateway's signed JWT for this upstream)."
    gatewayToken: Boolean!
    "accept-language forwarded from the client (forwardClientHeaders)."
    acceptLanguage: String
  }
`;

const yoga = createYoga({
  schema: createSchema({
    typeDefs,
    resolvers: {
      Query: {
        reviewsOfProduct: (_, { productId }) => reviews.filter((review) => review.productId === productId),
        reviewsViewer: (_, __, { request }) => ({
          url: request.url,
          requestId: request.headers.get("x-request-id"),
          gatewayToken: request.headers.has("x-gateway-token"),
          acceptLanguage: request.headers.get("accept-language"),
        }),
      },
      Mutation: {
        addReview: (_, { productId, rating, body }) => {
          if (!Number.isInteger(rating) || rating < 1 || rating > 5) {
            throw new GraphQLError("rating must be 1 to 5", { extensions: { code: "BAD_USER_INPUT" } });
          }
          const review = { id: `rv-${reviews.length + 1}`, productId, rating, body, author: "anonymous" };
          reviews.push(review);
          return review;
        },
      },
    },
  }),
  graphqlEndpoint: "/graphql",
  landingPage: false,
});

export default { fetch: yoga.fetch };
