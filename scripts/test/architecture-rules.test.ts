// The architecture rules of .dependency-cruiser.cjs (run over the real tree by `npm run lint:deps`),
// shown to catch what they forbid: each case plants the offending import in a small tree of its own.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const DEPCRUISE = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Writes `files` (path -> source) into a fresh tree with the project's rules, cruises it, returns the violations. */
function cruise(files: Record<string, string>): Violation[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architecture-'));
  try {
    fs.copyFileSync(path.join(ROOT, '.dependency-cruiser.cjs'), path.join(dir, '.dependency-cruiser.cjs'));
    fs.writeFileSync(
      path.join(dir, 'tsconfig.depcruise.json'),
      JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@ticketing/common/*': ['common/src/*/index.ts'] } } }),
    );
    for (const [file, source] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), source);
    }
    const roots = [...new Set(Object.keys(files).map((file) => file.split('/')[0]))];
    let output: string;
    try {
      output = execFileSync(process.execPath, [DEPCRUISE, '--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...roots], {
        cwd: dir,
        encoding: 'utf8',
      });
    } catch (error) {
      // depcruise exits non-zero when it finds violations; the report is still on stdout.
      output = (error as { stdout: string }).stdout;
    }
    const report = JSON.parse(output) as { summary: { violations: Violation[] } };
    return report.summary.violations;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const names = (violations: Violation[]): string[] => violations.map((v) => v.rule.name).sort();

describe('architecture rules', () => {
  it('when the files import only what the rules allow, then nothing is reported', () => {
    const violations = cruise({
      'common/src/core/index.ts': 'export const core = 1;\n',
      'common/src/http/index.ts': "import { core } from '../core';\nexport const http = core;\n",
      'tickets/src/models/ticket.ts': 'export const Ticket = 1;\n',
      'tickets/src/domain/tickets.ts': "import { Ticket } from '../models/ticket';\nexport const find = () => Ticket;\n",
      'tickets/src/routes/show.ts':
        "import { find } from '../domain/tickets';\nimport { http } from '@ticketing/common/http';\nexport const show = () => [find(), http];\n",
    });
    expect(violations).toEqual([]);
  });

  it('when a service imports another service, then no-service-to-service is reported', () => {
    const violations = cruise({
      'orders/src/app.ts': 'export const app = 1;\n',
      'tickets/src/routes/new.ts': "import { app } from '../../../orders/src/app';\nexport const x = app;\n",
    });
    expect(names(violations)).toEqual(['no-service-to-service']);
    expect(violations[0]).toMatchObject({ from: 'tickets/src/routes/new.ts', to: 'orders/src/app.ts' });
  });

  it('when a route imports a model, then routes-through-domain is reported', () => {
    const violations = cruise({
      'tickets/src/models/ticket.ts': 'export const Ticket = 1;\n',
      'tickets/src/routes/show.ts': "import { Ticket } from '../models/ticket';\nexport const x = Ticket;\n",
    });
    expect(names(violations)).toEqual(['routes-through-domain']);
  });

  it('when a model imports another model, then models-stand-alone is reported', () => {
    const violations = cruise({
      'orders/src/models/ticket.ts': 'export const Ticket = 1;\n',
      'orders/src/models/order.ts': "import { Ticket } from './ticket';\nexport const Order = Ticket;\n",
    });
    expect(names(violations)).toEqual(['models-stand-alone']);
  });

  it('when a service imports the MongoDB double, then mongod-double-only-from-testkit-and-local-stack is reported', () => {
    const violations = cruise({
      'mongod-double/src/index.ts': 'export const start = 1;\n',
      'orders/src/index.ts': "import { start } from '../../mongod-double/src/index';\nexport const x = start;\n",
    });
    expect(names(violations)).toContain('mongod-double-only-from-testkit-and-local-stack');
  });

  it("when common's HTTP kit imports the event side, then common-http-stands-alone is reported", () => {
    const violations = cruise({
      'common/src/transport/index.ts': 'export const transport = 1;\n',
      'common/src/http/index.ts': "import { transport } from '../transport';\nexport const http = transport;\n",
    });
    expect(names(violations)).toEqual(['common-http-stands-alone']);
  });

  it('when two modules import each other, then no-circular is reported', () => {
    const violations = cruise({
      'common/src/outbox/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'common/src/outbox/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    });
    expect(violations.length).toBeGreaterThan(0);
    expect(new Set(names(violations))).toEqual(new Set(['no-circular']));
  });
});
