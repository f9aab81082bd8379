/**
 * The control of the files bench (bench/files.mjs): a bare Worker on the same R2 binding, no gateway.
 * - `PUT /raw/<key>` stores the request body with one `put` (its length known from Content-Length), 201;
 * - `PUT /mp/<key>` stores it as an R2 multipart upload in 5 MiB parts (the layout the gateway gives files
 *   over 5 MiB), 201;
 * - `GET /raw/<key>` streams the object back (404 when there is none).
 */
const PART = 5 * 1024 * 1024;

/** Stores `body` as a multipart upload in uniform PART-byte parts (the last one shorter). */
async function putMultipart(bucket, key, body) {
  const upload = await bucket.createMultipartUpload(key);
  const parts = [];
  let part = new Uint8Array(PART);
  let filled = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let rest = value;
      while (rest.length > 0) {
        const n = Math.min(rest.length, PART - filled);
        part.set(rest.subarray(0, n), filled);
        filled += n;
        rest = rest.subarray(n);
        if (filled === PART) {
          parts.push(await upload.uploadPart(parts.length + 1, part));
          part = new Uint8Array(PART);
          filled = 0;
        }
      }
    }
    if (filled > 0 || parts.length === 0)
      parts.push(await upload.uploadPart(parts.length + 1, part.subarray(0, filled)));
    await upload.complete(parts);
  } catch (error) {
    await upload.abort();
    throw error;
  }
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    const [, kind, ...rest] = pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    if (request.method === "PUT" && kind === "raw") {
      await env.FILES.put(key, request.body);
      return new Response(null, { status: 201 });
    }
    if (request.method === "PUT" && kind === "mp") {
      await putMultipart(env.FILES, key, request.body);
      return new Response(null, { status: 201 });
    }
    const object = await env.FILES.get(key);
    if (!object) return new Response("no such object", { status: 404 });
    return new Response(object.body, {
      headers: { "content-type": "application/octet-stream", "content-length": String(object.size) },
    });
  },
};
