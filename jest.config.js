const base = {
  testEnvironment: 'node',
  // The packages' tests and examples run against their sources, as the typecheck does.
  moduleNameMapper: { '^@weir/(client|nestjs)$': '<rootDir>/packages/$1/src/index.ts' },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

/**
 * The e2e API specs that also run against a PostgreSQL-backed broker (`WEIR_STORAGE=postgres`,
 * a database per broker on one test server). Left out: specs about the SQLite file or the
 * process (durability and crash tests with SIGKILL/SIGTERM of child brokers, the compiled
 * engine thread, legacy SQLite rows, memory bounds, packing and TLS/auth processes), `GET
 * /cluster` of the single SQLite node, and pure input validation that never reaches storage.
 */
const POSTGRES_E2E = [
  'dlq',
  'dlq-rollback',
  'limits',
  'metrics-lifecycle',
  'observability-metrics',
  'operations',
  'queues',
  'queues-chaos',
  'queues-committed-view',
  'queues-deleted-receipts',
  'queues-dlq',
  'queues-expiry-isolation',
  'queues-expiry-metrics',
  'queues-lifecycle',
  'queues-member-release',
  'queues-list',
  'queues-load',
  'queues-wakeups',
  'queues-ws',
  'queues-ws-release',
  'records',
  'retention',
  'served-records',
  'streams-groups-admin',
  'streams-handover',
  'streams-membership',
  'streams-offsets',
  'streams-order',
  'streams-ws',
  'topics',
  'topics-catalogue',
  'ws-produce',
];

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60000,
  projects: [
    {
      ...base,
      displayName: 'sqlite',
      roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/packages'],
      testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
    },
    {
      ...base,
      displayName: 'postgres',
      roots: ['<rootDir>/test/e2e'],
      testMatch: POSTGRES_E2E.map((name) => `<rootDir>/test/e2e/${name}.e2e-spec.ts`),
      globals: { E2E_STORAGE: 'postgres' },
      globalSetup: '<rootDir>/test/support/postgres-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/postgres-global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/postgres-after-file.ts'],
    },
  ],
};
