/**
 * The platform's limit: a Worker that only forwards the request bytes to the upstream (TARGET) and
 * streams the answer back. No gateway can do less work per request.
 */
export default {
  fetch(request, env) {
    return fetch(env.TARGET, { method: request.method, headers: request.headers, body: request.body });
  },
};
