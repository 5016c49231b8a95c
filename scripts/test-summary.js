#!/usr/bin/env node
// Prints "N passed, N failed[, N skipped]" from Jest's JSON results. A suite that failed to run
// (syntax error, failing hook) contributes no test results, so each one counts as one failure.
const fs = require('fs');

const file = process.argv[2] || 'jest-results.json';
if (!fs.existsSync(file)) {
  console.error(`no test results at ${file}: the test command did not reach Jest`);
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
const brokenSuites = r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.every((a) => a.status !== 'failed')).length;
const passed = r.numPassedTests;
const failed = r.numFailedTests + brokenSuites;
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && r.numTotalTests > 0 ? 0 : 1);
