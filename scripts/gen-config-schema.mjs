/**
 * Writes schemas/gateway.schema.json (JSON Schema for editors) from the zod config schema in
 * src/config. Never edit the output by hand. Usage: npm run gen:schema
 */
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { loadConfigModule } from "./load-config-module.mjs";

const { GatewayConfigSchema } = await loadConfigModule();
const schema = z.toJSONSchema(GatewayConfigSchema, { io: "input" });
writeFileSync("schemas/gateway.schema.json", `${JSON.stringify(schema, null, 2)}\n`);
console.log("wrote schemas/gateway.schema.json");
