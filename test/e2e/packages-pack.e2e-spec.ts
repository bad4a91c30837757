import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SystemClock } from '../../src/common/clock';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const versionOf = (name: string): string =>
  (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

/** The deps the program needs beside the tarballs, at the versions the repository uses. */
const PEERS = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/microservices',
  'rxjs',
  'reflect-metadata',
];

describe('the packed packages, installed into a new project', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker<SystemClock>;

  beforeAll(async () => {
    dir = makeTempDir('weir-pack-');
    broker = await startTestBroker(makeTempDir('weir-pack-broker-').path, {}, new SystemClock());
  });
  afterAll(async () => {
    await broker.close();
    dir.remove();
  });

  it('install from their tarballs, compile under strict and run against a broker, CLI included', async () => {
    const project = dir.path;
    const tarballs: Record<string, string> = {};
    for (const pkg of ['client', 'nestjs']) {
      const packageDir = join(ROOT, 'packages', pkg);
      expect(existsSync(join(packageDir, 'dist', 'index.d.ts'))).toBe(true); // built by pretest
      const { stdout } = await run(
        'npm',
        ['pack', '--json', '--ignore-scripts', '--pack-destination', project],
        { cwd: packageDir },
      );
      const [packed] = JSON.parse(stdout) as Array<{
        filename: string;
        files: Array<{ path: string }>;
      }>;
      const paths = packed!.files.map((f) => f.path);
      expect(paths).toContain('dist/index.d.ts');
      // Besides dist/: the client's committed `weir` entry point, which runs the built CLI.
      expect(paths.filter((p) => !p.startsWith('dist/') && p !== 'package.json')).toEqual(
        pkg === 'client' ? ['bin/weir.js'] : [],
      );
      tarballs[`@weir/${pkg}`] = `file:./${packed!.filename}`;
    }
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'weir-pack-check',
        private: true,
        dependencies: {
          ...tarballs,
          ...Object.fromEntries(PEERS.map((name) => [name, versionOf(name)])),
          '@types/node': versionOf('@types/node'),
        },
      }),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          strict: true,
          noUncheckedIndexedAccess: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          types: ['node'],
          outDir: 'dist',
        },
        files: ['main.ts'],
      }),
    );
    copyFileSync(join(__dirname, 'fixtures', 'pack-consumer', 'main.ts'), join(project, 'main.ts'));

    // From the local cache; only what it lacks comes from the registry.
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--no-package-lock',
      ],
      { cwd: project },
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', project], { cwd: project });

    const env = { PATH: process.env.PATH ?? '', WEIR_URL: broker.url };
    const { stdout } = await run(process.execPath, [join(project, 'dist', 'main.js')], { env });
    expect(JSON.parse(stdout)).toEqual({
      offsets: [{ topic: 'orders', partition: expect.any(Number), offset: 0 }],
      handled: [{ qty: 1 }],
      quote: 12,
      missing: 'TOPIC_NOT_FOUND',
    });

    const cli = await run(
      join(project, 'node_modules', '.bin', 'weir'),
      ['topics', 'list', '--json'],
      {
        env,
      },
    );
    const names = (JSON.parse(cli.stdout) as { topics: Array<{ name: string }> }).topics.map(
      (t) => t.name,
    );
    expect(names).toEqual(expect.arrayContaining(['orders', 'prices.quote']));
  }, 120_000);
});
