/**
 * The control of the files bench (bench/files.mjs): a bare Worker on the same R2 binding, no gateway.
 * `PUT /raw/<key>` stores the request body (its length known from Content-Length) and answers 201;
 * `GET /raw/<key>` streams the object back (404 when there is none).
 */
export default {
  async fetch(request, env) {
    const key = decodeURIComponent(new URL(request.url).pathname.replace(/^\/raw\//, ""));
    if (request.method === "PUT") {
      await env.FILES.put(key, request.body);
      return new Response(null, { status: 201 });
    }
    const object = await env.FILES.get(key);
    if (!object) return new Response("no such object", { status: 404 });
    return new Response(object.body, {
      headers: { "content-type": "application/octet-stream", "content-length": String(object.size) },
    });
  },
};
