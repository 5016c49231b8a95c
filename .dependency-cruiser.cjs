// The architecture's rules, checked by `npm run lint:deps` (part of `npm test`) over the sources.
// Workspace packages resolve to their sources (tsconfig.depcruise.json), so the graph is the code's.
const SERVICES = '(auth|tickets|orders|payments)';
const TESTS = '(__tests__|__mocks__|/test/|\\.test\\.ts$)';

module.exports = {
  forbidden: [
    {
      name: 'no-service-to-service',
      comment: 'A service never imports another service: they meet only through HTTP and events in common/contracts.',
      severity: 'error',
      from: { path: `^${SERVICES}/` },
      to: { path: `^${SERVICES}/`, pathNot: '^$1/' },
    },
    {
      name: 'routes-through-domain',
      comment: 'Routes parse and respond; they reach the models only through the domain.',
      severity: 'error',
      from: { path: `^${SERVICES}/src/routes/`, pathNot: TESTS },
      to: { path: `^${SERVICES}/src/models/` },
    },
    {
      name: 'listeners-through-domain',
      comment: 'Listeners parse and settle; they reach the models only through the domain.',
      severity: 'error',
      from: { path: `^${SERVICES}/src/events/listeners/`, pathNot: TESTS },
      to: { path: `^${SERVICES}/src/models/` },
    },
    {
      name: 'models-stand-alone',
      comment: 'No model imports another model.',
      severity: 'error',
      from: { path: `^${SERVICES}/src/models/([^/]+)\\.ts$` },
      to: { path: `^${SERVICES}/src/models/`, pathNot: ['^$1/src/models/$2\\.ts$', TESTS] },
    },
    {
      name: 'mongod-double-only-from-testkit-and-local-stack',
      comment: 'The MongoDB double is a test product: only the test helpers and the local stack launch it.',
      severity: 'error',
      from: { pathNot: '^(mongod-double|testkit|local-stack)/' },
      to: { path: '^mongod-double/' },
    },
    {
      name: 'mongod-double-imports-nothing-of-the-project',
      severity: 'error',
      from: { path: '^mongod-double/' },
      to: { path: '^(common|testkit|local-stack|bench|system-tests|infra|auth|tickets|orders|payments)/' },
    },
    {
      name: 'production-code-never-imports-test-code',
      comment: 'testkit, local-stack, bench and system-tests are dev-only products.',
      severity: 'error',
      from: { path: `^(common|${SERVICES})/src/`, pathNot: TESTS },
      to: { path: '^(testkit|local-stack|bench|system-tests|mongod-double)/' },
    },
    {
      name: 'common-core-stands-alone',
      severity: 'error',
      from: { path: '^common/src/core/', pathNot: TESTS },
      to: { path: '^common/src/(http|contracts|transport|events|outbox|metrics)/' },
    },
    {
      name: 'common-metrics-on-core-only',
      comment: 'The metrics registry sits just above core: the HTTP kit and the event side both report to it, it imports neither.',
      severity: 'error',
      from: { path: '^common/src/metrics/', pathNot: TESTS },
      to: { path: '^common/src/(http|contracts|transport|events|outbox)/' },
    },
    {
      name: 'common-http-stands-alone',
      comment: 'The HTTP kit and the event side never import each other (auth uses http alone, with no NATS client).',
      severity: 'error',
      from: { path: '^common/src/http/', pathNot: TESTS },
      to: { path: '^common/src/(contracts|transport|events|outbox)/' },
    },
    {
      name: 'common-event-side-never-imports-http',
      severity: 'error',
      from: { path: '^common/src/(contracts|transport|events|outbox)/', pathNot: TESTS },
      to: { path: '^common/src/http/' },
    },
    {
      name: 'common-contracts-depend-on-nothing',
      severity: 'error',
      from: { path: '^common/src/contracts/', pathNot: TESTS },
      to: { path: '^common/src/(core|transport|events|outbox|metrics)/' },
    },
    {
      name: 'common-transport-below-events-and-outbox',
      comment: 'One way: contracts <- transport <- events <- outbox.',
      severity: 'error',
      from: { path: '^common/src/transport/', pathNot: TESTS },
      to: { path: '^common/src/(events|outbox)/' },
    },
    {
      name: 'common-events-below-outbox',
      severity: 'error',
      from: { path: '^common/src/events/', pathNot: TESTS },
      to: { path: '^common/src/outbox/' },
    },
    {
      name: 'common-tracing-below-the-event-side',
      comment:
        'Tracing is the seam the transports, listeners and outbox call (its OpenTelemetry code loads only when enabled); it imports none of them.',
      severity: 'error',
      from: { path: '^common/src/tracing/', pathNot: TESTS },
      to: { path: '^common/src/(http|contracts|transport|events|outbox|metrics)/' },
    },
    {
      name: 'common-core-and-contracts-never-import-tracing',
      severity: 'error',
      from: { path: '^common/src/(core|contracts)/', pathNot: TESTS },
      to: { path: '^common/src/tracing/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
