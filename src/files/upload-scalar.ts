import { GraphQLError, GraphQLScalarType, Kind } from "graphql";
import { type FileReference, uploadOf } from "./references";

/** References handed out in this isolate (identity), so a delegated call may pass one on unchanged. */
const handedOut = new WeakSet<object>();

const refuse = (): never => {
  throw new GraphQLError(
    "An Upload value must be a file of a multipart request (the GraphQL multipart request spec), sent with its operation.",
  );
};

/**
 * The `Upload` scalar of the GraphQL multipart request spec, as the gateway provides it when `files` is
 * set: its input is the token the multipart handler put in the variables for a file it stored, and its
 * value is the file's {@link FileReference}. Anything else (a JSON object posing as a reference, a
 * literal in the document) is refused, so no client can name an object it did not upload.
 * @see https://github.com/jaydenseric/graphql-multipart-request-spec
 */
export const UploadScalar = new GraphQLScalarType<FileReference, FileReference>({
  name: "Upload",
  description: "A file of a GraphQL multipart request; resolvers and upstreams receive its stored reference.",
  parseValue(value) {
    if (typeof value === "object" && value !== null && handedOut.has(value)) return value as FileReference;
    const reference = uploadOf(value);
    if (reference === undefined) return refuse();
    handedOut.add(reference);
    return reference;
  },
  parseLiteral(node) {
    return node.kind === Kind.NULL ? (null as never) : refuse();
  },
  serialize(value) {
    return value as FileReference;
  },
});
