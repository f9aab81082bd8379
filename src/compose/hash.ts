/** SHA-256 of text as hex: the one in src/shared, for the registry's content-addressed keys. */
export { sha256Hex } from "../shared";
