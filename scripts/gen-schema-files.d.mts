/** Every schemas/**\/*.graphql file, sorted by path. */
export function readSchemaFiles(root?: string): { path: string; sdl: string }[];
/** Writes src/generated/schema-files.ts; returns the number of files. */
export function generateSchemaFiles(root?: string): number;
