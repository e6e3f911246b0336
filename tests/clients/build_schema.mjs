// graphql-js loads a schema file as it is and validates documents against it,
// as client tooling does (codegen, linters, Apollo's schema-aware tools).
// Usage: node build_schema.mjs <schema file> < documents.json
// Prints {"ok": true, "types": [...], "queryFields": [...], "errors": [[...] per document]},
// or {"ok": false, "error": "<message>"} when buildSchema refuses the file.
import { readFileSync } from "node:fs";
import { buildSchema, parse, validate } from "graphql";

const [file] = process.argv.slice(2);
let schema;
try {
  schema = buildSchema(readFileSync(file, "utf8"));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e.message) }));
  process.exit(0);
}
const documents = JSON.parse(readFileSync(0, "utf8") || "[]");
const errors = documents.map((text) => validate(schema, parse(text)).map((e) => e.message));
console.log(
  JSON.stringify({
    ok: true,
    types: Object.keys(schema.getTypeMap()).filter((name) => !name.startsWith("__")),
    queryFields: Object.keys(schema.getQueryType().getFields()),
    errors,
  }),
);
