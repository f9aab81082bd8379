import type { UploadedFiles } from "../../shared";
import type { UpstreamPlugin } from "../types";

const encoder = new TextEncoder();

/** A stored file named in a call's variables, and the paths where its reference stands. */
interface Forwarded {
  file: UploadedFiles["files"][number];
  paths: string[];
}

/**
 * Replaces, in a GraphQL request's variables, every reference of a stored file (an object whose `key` is
 * one of the request's uploads) by null, and lists where each stood (the spec's `map` paths).
 */
function extractReferences(variables: unknown, uploads: UploadedFiles): Forwarded[] {
  const byKey = new Map(uploads.files.map((file) => [file.key, file]));
  const found = new Map<string, Forwarded>();
  const walk = (value: unknown, path: string, holder: Record<string, unknown> | unknown[], slot: string | number) => {
    if (value === null || typeof value !== "object") return;
    const key = (value as { key?: unknown }).key;
    const file = typeof key === "string" ? byKey.get(key) : undefined;
    if (file !== undefined && !Array.isArray(value)) {
      (holder as Record<string | number, unknown>)[slot] = null;
      const entry = found.get(file.key) ?? { file, paths: [] };
      entry.paths.push(path);
      found.set(file.key, entry);
      return;
    }
    for (const [name, item] of Object.entries(value)) {
      walk(item, `${path}.${name}`, value as Record<string, unknown>, Array.isArray(value) ? Number(name) : name);
    }
  };
  if (variables !== null && typeof variables === "object") {
    for (const [name, item] of Object.entries(variables)) {
      walk(item, `variables.${name}`, variables as Record<string, unknown>, name);
    }
  }
  return [...found.values()];
}

/** A multipart body (the GraphQL multipart request spec): operations, map, then each file streamed. */
function multipartBody(
  boundary: string,
  operations: string,
  forwarded: readonly Forwarded[],
  uploads: UploadedFiles,
): ReadableStream<Uint8Array> {
  const map = Object.fromEntries(forwarded.map((entry, index) => [String(index), entry.paths]));
  const quote = (text: string) => text.replace(/["\\\r\n]/g, "_");
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield encoder.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\nContent-Type: application/json\r\n\r\n${operations}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(map)}\r\n`,
    );
    for (const [index, { file }] of forwarded.entries()) {
      yield encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${index}"; filename="${quote(file.filename)}"\r\nContent-Type: ${file.contentType}\r\n\r\n`,
      );
      const body = await uploads.open(file.key);
      if (body === null) throw new Error(`The stored file ${file.key} is gone.`);
      const reader = body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        yield value;
      }
      yield encoder.encode("\r\n");
    }
    yield encoder.encode(`--${boundary}--\r\n`);
  }
  const iterator = chunks();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return(undefined);
    },
  });
}

/**
 * Upstream plugin `uploads`: a call to a remote with `uploads: "forward"` whose variables hold references
 * of files this request stored is sent as a GraphQL multipart request instead: the references become
 * nulls named by the `map`, and each file follows, streamed from R2 (never held whole). With a CSRF
 * header (`apollo-require-preflight`, `x-graphql-yoga-csrf`), as servers that accept uploads require.
 * Other calls pass unchanged.
 * @returns the plugin
 * @see https://github.com/jaydenseric/graphql-multipart-request-spec
 */
export function useUploadForwarding(): UpstreamPlugin {
  return {
    name: "uploads",
    async call(request, next) {
      const uploads = request.context?.uploads;
      if (
        request.kind !== "remote" ||
        request.upstream.uploads !== "forward" ||
        uploads === undefined ||
        uploads.files.length === 0 ||
        typeof request.body !== "string"
      ) {
        return next(request);
      }
      const operations = JSON.parse(request.body) as { variables?: unknown };
      const forwarded = extractReferences(operations.variables, uploads);
      if (forwarded.length === 0) return next(request);
      const boundary = `junction-${crypto.randomUUID()}`;
      request.body = multipartBody(boundary, JSON.stringify(operations), forwarded, uploads);
      request.headers.set("content-type", `multipart/form-data; boundary=${boundary}`);
      request.headers.set("apollo-require-preflight", "true");
      request.headers.set("x-graphql-yoga-csrf", "true");
      return next(request);
    },
  };
}
