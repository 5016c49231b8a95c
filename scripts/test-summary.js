#!/usr/bin/env node
// Prints "N passed, N failed[, N skipped]" from Jest's JSON results, plus the web client's component
// tests (Vitest's JSON report, client/client-test-results.json) when present. A suite that failed to
// run (syntax error, failing hook) contributes no test results, so each one counts as one failure.
const fs = require('fs');
const path = require('path');

const file = process.argv[2] || 'jest-results.json';
const clientFile = path.join(path.dirname(path.resolve(file)), 'client', 'client-test-results.json');

function counts(results) {
  const suites = results.testResults || [];
  const brokenSuites = suites.filter((s) => s.status === 'failed' && (s.assertionResults || []).every((a) => a.status !== 'failed')).length;
  return {
    passed: results.numPassedTests || 0,
    failed: (results.numFailedTests || 0) + brokenSuites,
    skipped: (results.numPendingTests || 0) + (results.numTodoTests || 0),
    total: results.numTotalTests || 0,
  };
}

const reports = [file, clientFile].filter((f) => fs.existsSync(f)).map((f) => counts(JSON.parse(fs.readFileSync(f, 'utf8'))));
if (reports.length === 0) {
  console.error(`no test results at ${file}: the test command did not reach Jest`);
  process.exit(1);
}
const sum = reports.reduce((a, b) => ({
  passed: a.passed + b.passed,
  failed: a.failed + b.failed,
  skipped: a.skipped + b.skipped,
  total: a.total + b.total,
}));
const { passed, failed, skipped, total } = sum;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (!fs.existsSync(file)) console.error(`no Jest results at ${file}: the test command did not reach Jest`);
process.exit(failed === 0 && total > 0 && fs.existsSync(file) ? 0 : 1);
