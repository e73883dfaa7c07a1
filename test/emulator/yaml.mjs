// The YAML parser, re-exported from the one folder that has the test
// suite's npm packages installed, for tests that read deploy files.
export { parse, parseDocument } from 'yaml';
