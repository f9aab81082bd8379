import { type DocumentNode, Kind, parse, visit } from "graphql";
import { CSRF_HEADERS } from "../browser";
import type { FilesConfig } from "../config";
import { ErrorCode, GatewayError } from "../errors";
import { namedTypeName, type Session, USER_ID_VARIABLE } from "../shared";
import { newKey, renderPrefix } from "./keys";
import { multipartBoundary, readParts } from "./multipart";
import { type FileReference, registerUpload, releaseUploads } from "./references";
import { fileAccess } from "./rules";
import { FileSink, META_PREFIX, PART_BYTES, type StoredFile, sanitizeFilename } from "./store";

/** What {@link receiveUploads} needs. */
export interface UploadInput {
  /** The client's request (POST, multipart/form-data). */
  request: Request;
  /** The `files` section. */
  config: FilesConfig;
  /** The `FILES` binding. */
  bucket: R2Bucket;
  /** The caller's session (for the key prefix and the metadata). */
  session: Session;
  /** Largest `operations` + `map` text, bytes (`limits.maxBodyBytes`). */
  maxOperationsBytes: number;
  /** Turns a stored file into its reference (adds the signed URL). */
  reference(file: StoredFile): Promise<FileReference>;
  /**
   * Registers clean-up that must finish even when the client is gone (`ExecutionContext.waitUntil`: the
   * runtime may cancel the request's own work once its client disconnects).
   */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/** A multipart request received: the JSON request to run, and what to do once it ran. */
export interface ReceivedUploads {
  /** The operation(s) as a JSON GraphQL request, each file replaced by its token. */
  request: Request;
  /** The stored files, in the order of the map. */
  files: StoredFile[];
  /**
   * Deletes the objects of files whose operation or root field failed (`errors` at the root field that
   * received them, or no data), and forgets the tokens.
   * @param response - the GraphQL answer
   * @returns the same answer
   */
  settle(response: Response): Promise<Response>;
}

const invalid = (message: string): GatewayError => new GatewayError(ErrorCode.INVALID_MULTIPART, message);

/**
 * Whether a request is a GraphQL multipart request the files feature handles.
 * @param request - the request
 * @param config - `files`, if set
 */
export function isUploadRequest(request: Request, config: FilesConfig | undefined): boolean {
  return (
    config !== undefined &&
    request.method === "POST" &&
    multipartBoundary(request.headers.get("content-type")) !== undefined
  );
}

/** A JSON path of the spec's `map` (`variables.file`, `0.variables.files.1`) split into steps. */
function pathSteps(path: string): string[] {
  return path.split(".");
}

/** Sets the value at a `map` path of `operations`; the path must end at a `null` under `variables`. */
function setAt(operations: unknown, path: string, value: unknown): boolean {
  const steps = pathSteps(path);
  const variablesAt = steps.indexOf("variables");
  if (variablesAt === -1 || variablesAt > 1 || variablesAt === steps.length - 1) return false;
  let node: unknown = operations;
  for (const step of steps.slice(0, -1)) {
    if (node === null || typeof node !== "object") return false;
    node = (node as Record<string, unknown>)[step];
  }
  const last = steps[steps.length - 1] as string;
  if (node === null || typeof node !== "object" || (node as Record<string, unknown>)[last] !== null) return false;
  (node as Record<string, unknown>)[last] = value;
  return true;
}

/**
 * Receives a GraphQL multipart request (`operations`, `map`, then the files, in that order) as a stream:
 * each file goes to R2 as it arrives (see FileSink), under `keyPrefix` + a random id, and is replaced in the
 * variables by a token its `Upload` argument turns into the file's reference. On any error every object
 * stored so far is deleted and no multipart upload stays open.
 * @param input - the request, config, bucket, session
 * @returns the JSON request to run and its settlement
 * @throws GatewayError `CSRF_HEADER_REQUIRED` (403), `FILE_TOO_LARGE` / `TOO_MANY_FILES` (413),
 *   `INVALID_MULTIPART` (400), `CONTENT_TYPE_NOT_ALLOWED` (415), `BODY_TOO_LARGE` (413, operations over
 *   the body limit), `MISSING_SESSION_VARIABLE` (a key prefix needing one), `UPLOAD_FAILED` (500)
 * @see https://github.com/jaydenseric/graphql-multipart-request-spec
 */
export async function receiveUploads(input: UploadInput): Promise<ReceivedUploads> {
  const { request, config, session } = input;
  if (!CSRF_HEADERS.some((name) => request.headers.has(name))) {
    throw new GatewayError(
      ErrorCode.CSRF_HEADER_REQUIRED,
      `A multipart request (file upload) needs one of the headers ${CSRF_HEADERS.join(", ")} (any value): browsers send multipart requests cross-site without a CORS preflight.`,
    );
  }
  const boundary = multipartBoundary(request.headers.get("content-type")) as string;
  const maxBody = config.maxFiles * config.maxFileBytes + input.maxOperationsBytes + 64 * 1024;
  const length = Number(request.headers.get("content-length") ?? Number.NaN);
  if (length > maxBody) {
    throw new GatewayError(
      ErrorCode.FILE_TOO_LARGE,
      `The multipart body (${length} bytes) is larger than files.maxFiles x files.maxFileBytes allow.`,
    );
  }
  if (request.body === null) throw invalid("A multipart request needs a body.");
  const prefix = renderPrefix(config.keyPrefix, session);
  // With rules, an upload needs write access where it lands (without any, the fields' permissions decide).
  if (config.rules.length > 0 && !fileAccess(config, session, newKey(prefix), "write")) {
    throw new GatewayError(ErrorCode.FILE_ACCESS_DENIED, `The caller may not upload under ${prefix} (files.rules).`);
  }
  let operations: unknown;
  let map: Map<string, string[]> | undefined;
  const stored = new Map<string, StoredFile>();
  let open: FileSink | undefined;
  const drop = (): Promise<void> => {
    const done = (async () => {
      await open?.abort();
      await Promise.all([...stored.values()].map((file) => deleteStored(input.bucket, file)));
    })();
    input.waitUntil?.(done);
    return done;
  };
  try {
    await readParts(request.body, boundary, async (part) => {
      if (operations === undefined) {
        if (part.name !== "operations") throw invalid('The first part of a multipart request must be "operations".');
        return textPart(input.maxOperationsBytes, (text) => {
          operations = parseJson(text, "operations");
        });
      }
      if (map === undefined) {
        if (part.name !== "map")
          throw invalid('The second part of a multipart request must be "map" (files come after it).');
        return textPart(input.maxOperationsBytes, (text) => {
          map = readMap(parseJson(text, "map"), operations, config);
        });
      }
      const paths = map.get(part.name);
      if (paths === undefined || stored.has(part.name)) {
        throw invalid(`The multipart request has a file "${part.name}" that its map does not name (or names twice).`);
      }
      const sink = new FileSink(
        input.bucket,
        newKey(prefix),
        {
          filename: sanitizeFilename(part.filename),
          contentType: part.contentType ?? "application/octet-stream",
          uploaderId: session.variables[USER_ID_VARIABLE] ?? "",
          uploaderRole: session.role ?? "",
          uploadedAt: new Date().toISOString(),
        },
        config,
      );
      open = sink;
      return {
        write: (bytes: Uint8Array) => sink.write(bytes),
        end: async () => {
          stored.set(part.name, await sink.end());
          open = undefined;
        },
      };
    });
    if (map === undefined) throw invalid('A multipart request needs "operations" and "map" parts.');
    const missing = [...(map as Map<string, string[]>).keys()].filter((name) => !stored.has(name));
    if (missing.length > 0)
      throw invalid(`The map names file(s) ${missing.join(", ")} that the request does not carry.`);
  } catch (error) {
    await drop();
    throw error;
  }
  const tokens: string[] = [];
  const byVariable = new Map<string, StoredFile[]>();
  try {
    for (const [name, paths] of map as Map<string, string[]>) {
      const file = stored.get(name) as StoredFile;
      const token = registerUpload(await input.reference(file));
      tokens.push(token);
      for (const path of paths) {
        setAt(operations, path, token);
        const variable = pathSteps(path)[pathSteps(path).indexOf("variables") + 1] as string;
        byVariable.set(variable, [...(byVariable.get(variable) ?? []), file]);
      }
    }
  } catch (error) {
    releaseUploads(tokens);
    await drop();
    throw error;
  }
  const unfilled = uploadVariablesWithoutFile(operations, byVariable);
  if (unfilled.length > 0) {
    releaseUploads(tokens);
    await drop();
    throw invalid(
      `The variable(s) ${unfilled.map((name) => `$${name}`).join(", ")} expect an Upload, but the map gives them no file.`,
    );
  }
  const headers = new Headers(request.headers);
  headers.set("content-type", "application/json");
  headers.delete("content-length");
  const json = new Request(request.url, { method: "POST", headers, body: JSON.stringify(operations) });
  return {
    request: json,
    files: [...stored.values()],
    async settle(response) {
      releaseUploads(tokens);
      const failed = await failedFiles(response, operations, byVariable, stored);
      const deleting = Promise.all(failed.map((file) => deleteStored(input.bucket, file)));
      input.waitUntil?.(deleting);
      await deleting;
      return response;
    },
  };
}

/** Deletes a stored file and, for one stored by multipart upload, its SHA-256 record (never throws). */
async function deleteStored(bucket: R2Bucket, file: StoredFile): Promise<void> {
  const keys = file.size > PART_BYTES ? [file.key, `${META_PREFIX}${file.key}`] : [file.key];
  await bucket.delete(keys).catch(() => undefined);
}

/** A text part (`operations`, `map`), bounded. */
function textPart(max: number, done: (text: string) => void): { write(bytes: Uint8Array): void; end(): void } {
  const decoder = new TextDecoder();
  let text = "";
  return {
    write(bytes) {
      text += decoder.decode(bytes, { stream: true });
      if (text.length > max) {
        throw new GatewayError(
          ErrorCode.BODY_TOO_LARGE,
          `The operations of a multipart request exceed ${max} bytes (limits.maxBodyBytes).`,
        );
      }
    },
    end() {
      done(text + decoder.decode());
    },
  };
}

function parseJson(text: string, part: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(`The "${part}" part of a multipart request is not JSON.`);
  }
}

/** Checks the spec's `map`: file name -> paths, each path a `null` under some operation's `variables`. */
function readMap(value: unknown, operations: unknown, config: FilesConfig): Map<string, string[]> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalid('The "map" part must be a JSON object of file names to paths.');
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > config.maxFiles) {
    throw new GatewayError(ErrorCode.TOO_MANY_FILES, `At most ${config.maxFiles} files per request (files.maxFiles).`);
  }
  const map = new Map<string, string[]>();
  const probe = structuredClone(operations);
  for (const [name, paths] of entries) {
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((path) => typeof path === "string")) {
      throw invalid(`The map entry "${name}" must be a non-empty list of paths.`);
    }
    for (const path of paths as string[]) {
      if (!setAt(probe, path, "probe")) {
        throw invalid(`The map path "${path}" names no variable left null in operations.`);
      }
    }
    map.set(name, paths as string[]);
  }
  return map;
}

/** Variables of type `Upload!` (or lists of Upload) of the operation(s) that no file of the map fills. */
function uploadVariablesWithoutFile(operations: unknown, byVariable: ReadonlyMap<string, StoredFile[]>): string[] {
  const list = Array.isArray(operations) ? operations : [operations];
  const unfilled: string[] = [];
  for (const operation of list) {
    let document: DocumentNode;
    try {
      document = parse(String((operation as { query?: unknown })?.query ?? ""));
    } catch {
      continue; // Yoga answers the syntax error.
    }
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      for (const variable of definition.variableDefinitions ?? []) {
        const name = variable.variable.name.value;
        if (
          namedTypeName(variable.type) === "Upload" &&
          variable.type.kind === Kind.NON_NULL_TYPE &&
          !byVariable.has(name)
        ) {
          unfilled.push(name);
        }
      }
    }
  }
  return unfilled;
}

/**
 * The files whose operation failed: all of them when the answer has no data (or is not JSON); else those
 * of the variables used only by root fields that answered with an error or null.
 */
async function failedFiles(
  response: Response,
  operations: unknown,
  byVariable: ReadonlyMap<string, StoredFile[]>,
  stored: ReadonlyMap<string, StoredFile>,
): Promise<StoredFile[]> {
  const all = [...stored.values()];
  let body: { data?: Record<string, unknown> | null; errors?: Array<{ path?: unknown[] }> };
  try {
    body = (await response.clone().json()) as typeof body;
  } catch {
    return all;
  }
  if (Array.isArray(operations) || body.data === null || body.data === undefined) return all;
  const query = (operations as { query?: unknown }).query;
  let document: DocumentNode;
  try {
    document = parse(String(query));
  } catch {
    return all;
  }
  const failedKeys = new Set((body.errors ?? []).map((error) => error.path?.[0]).filter((key) => key !== undefined));
  const kept = new Set<StoredFile>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const selection of definition.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) continue;
      const responseKey = selection.alias?.value ?? selection.name.value;
      if (failedKeys.has(responseKey) || body.data[responseKey] === null || body.data[responseKey] === undefined)
        continue;
      for (const argument of selection.arguments ?? []) {
        visit(argument.value, {
          Variable(node) {
            for (const file of byVariable.get(node.name.value) ?? []) kept.add(file);
          },
        });
      }
    }
  }
  return all.filter((file) => !kept.has(file));
}
