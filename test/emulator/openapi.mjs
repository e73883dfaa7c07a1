// An OpenAPI validator (2.0 to 3.2, from the JSON schemas the OpenAPI
// Initiative publishes), re-exported from the one folder that has npm
// packages installed, so that integration tests can judge lkgate's
// OpenAPI document with it.
export { Validator } from '@seriousme/openapi-schema-validator';
// A JSON Schema 2020-12 validator (OpenAPI 3.1's dialect), to check
// answers against the document's schemas.
export { default as Ajv2020 } from 'ajv/dist/2020.js';
