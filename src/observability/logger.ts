/** Severity of a log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A structured JSON logger: one `console.log` line per call, `{ level, msg, ...bindings, ...fields }`.
 * Workers Logs and `wrangler tail` index these fields. Never pass tokens, secrets, variables or
 * upstream bodies as fields.
 */
export interface Logger {
  /** Logs at debug level. @param fields - structured context @param msg - a short constant message */
  debug(fields: Record<string, unknown>, msg: string): void;
  /** Logs at info level. */
  info(fields: Record<string, unknown>, msg: string): void;
  /** Logs at warn level. */
  warn(fields: Record<string, unknown>, msg: string): void;
  /** Logs at error level. */
  error(fields: Record<string, unknown>, msg: string): void;
  /** A logger that adds `bindings` to every line (for example `{ requestId }`). */
  child(bindings: Record<string, unknown>): Logger;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lines below this level are dropped. @default "info" */
  level?: LogLevel;
  /** Fields added to every line. @default {} */
  bindings?: Record<string, unknown>;
  /** Where lines go. @default console.log */
  sink?: (line: string) => void;
}

/**
 * Creates a structured JSON logger.
 * @param options - level, bindings and sink
 * @returns the logger
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? "info"];
  const bindings = options.bindings ?? {};
  const sink = options.sink ?? ((line: string) => console.log(line));
  const write = (level: LogLevel, fields: Record<string, unknown>, msg: string): void => {
    if (LEVELS[level] < min) return;
    sink(JSON.stringify({ level, msg, ...bindings, ...fields }));
  };
  return {
    debug: (fields, msg) => write("debug", fields, msg),
    info: (fields, msg) => write("info", fields, msg),
    warn: (fields, msg) => write("warn", fields, msg),
    error: (fields, msg) => write("error", fields, msg),
    child: (more) => createLogger({ ...options, bindings: { ...bindings, ...more } }),
  };
}
