/**
 * Example upstream "users": a third-party GraphQL server (json-graphql-server 3.3.2 from npm)
 * serving the data in ./db.json, in memory (mutations change the memory copy, never the file).
 *
 * Run:   node examples/users/server.mjs        (or `npm run examples` to start all three upstreams)
 * Env:   USERS_PORT (default 4001). Listens on http://127.0.0.1:<port>/graphql only.
 * Note:  POSTs with `Content-Type: application/json` go to GraphQL; anything else at
 *        /graphql (e.g. a browser GET) gets json-graphql-server's GraphiQL page.
 *
 * Schema json-graphql-server generates from db.json (filter arguments and *Filter fields abridged;
 * `*_id` fields become relationships in both directions):
 *
 *   type Query {
 *     User(id: ID!): User
 *     allUsers(page: Int, perPage: Int, sortField: String, sortOrder: String, filter: UserFilter): [User]
 *     _allUsersMeta(page: Int, perPage: Int, filter: UserFilter): ListMetadata
 *     Post(id: ID!): Post
 *     allPosts(page: Int, perPage: Int, sortField: String, sortOrder: String, filter: PostFilter): [Post]
 *     _allPostsMeta(page: Int, perPage: Int, filter: PostFilter): ListMetadata
 *     Comment(id: ID!): Comment
 *     allComments(page: Int, perPage: Int, sortField: String, sortOrder: String, filter: CommentFilter): [Comment]
 *     _allCommentsMeta(page: Int, perPage: Int, filter: CommentFilter): ListMetadata
 *   }
 *   type Mutation {
 *     createUser / createManyUser / updateUser / removeUser / deleteUser
 *     createPost / createManyPost / updatePost / removePost / deletePost
 *     createComment / createManyComment / updateComment / removeComment / deleteComment
 *   }
 *   type User    { id: ID!  name: String!  email: String!  username: String!  city: String!
 *                  joined_at: Date!  Posts: [Post]  Comments: [Comment] }
 *   type Post    { id: ID!  user_id: ID!  title: String!  body: String!  views: Int!
 *                  published: Boolean!  User: User  Comments: [Comment] }
 *   type Comment { id: ID!  post_id: ID!  user_id: ID!  body: String!  created_at: Date!
 *                  Post: Post  User: User }
 *   type ListMetadata { count: Int }
 *   scalar Date
 *   input UserFilter, PostFilter, CommentFilter   (q, ids, <field>, <field>_neq, _lt/_lte/_gt/_gte)
 *   input UserInput, PostInput, CommentInput      (arguments of createMany*)
 *
 * Print the full SDL with:
 *   node -e 'import("json-graphql-server/node").then(async (m) => console.log((await import("graphql"))
 *     .printSchema(m.jsonSchemaBuilder(JSON.parse(require("fs").readFileSync("examples/users/db.json", "utf8"))))))'
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { jsonGraphqlExpress } from "json-graphql-server/node";
import { portFromEnv, serve } from "../serve.mjs";

// express is json-graphql-server's own dependency (its middleware needs express's `req.is`);
// resolve it from json-graphql-server's location rather than relying on hoisting.
const requireFromJgs = createRequire(import.meta.resolve("json-graphql-server/node"));
const express = requireFromJgs("express");

const PORT = portFromEnv("users", "USERS_PORT", 4001);
const data = JSON.parse(readFileSync(new URL("./db.json", import.meta.url), "utf8"));

const app = express();
app.disable("x-powered-by");
app.use("/graphql", jsonGraphqlExpress(data));

serve("users", app, PORT, "/graphql");
