import * as z from "zod";
import { ErrorCode, GatewayError } from "../errors";
import type { PurgeRequest } from "./response-cache";

const name = z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*$/, "must be a GraphQL type name");

/** The body of `POST /admin/cache/purge`. */
const PurgeBodySchema = z
  .object({
    types: z.array(name).max(1000).optional(),
    entities: z
      .array(z.object({ typename: name, id: z.union([z.string().min(1), z.number()]) }).strict())
      .max(1000)
      .optional(),
    all: z.boolean().optional(),
  })
  .strict()
  .refine((body) => body.all === true || (body.types?.length ?? 0) + (body.entities?.length ?? 0) > 0, {
    message: 'name something to purge: "types", "entities" or "all": true',
  });

/**
 * Reads the body of `POST /admin/cache/purge`: `{ "types": [...], "entities": [{ "typename", "id" }],
 * "all": true }`, at least one of them (at most 1000 types and 1000 entities).
 * @param body - the parsed JSON body (undefined when it was not JSON)
 * @returns the purge request
 * @throws GatewayError `BAD_REQUEST` naming the first problem and its JSON path
 */
export function parsePurgeRequest(body: unknown): PurgeRequest {
  const parsed = PurgeBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined ? "$" : ["$", ...issue.path.map(String)].join(".");
    throw new GatewayError(ErrorCode.BAD_REQUEST, `Invalid purge body at ${path}: ${issue?.message ?? "invalid"}`);
  }
  const { types, entities, all } = parsed.data;
  return {
    types,
    entities: entities?.map((entity) => ({ typename: entity.typename, id: String(entity.id) })),
    all,
  };
}
