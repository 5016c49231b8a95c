import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseDockerfile, replayDockerfile, stageConfig, stagesNeededFor, startContainer } from './support/dockerfile-interpreter';

const nodeMajor = process.versions.node.split('.')[0];

describe('Dockerfile interpreter', () => {
  let context: string;

  beforeEach(() => {
    context = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfile-context-'));
  });

  afterEach(() => {
    fs.rmSync(context, { recursive: true, force: true });
  });

  function writeContext(files: Record<string, string>): void {
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(context, name)), { recursive: true });
      fs.writeFileSync(path.join(context, name), content);
    }
  }

  it('when a stage copies from an earlier one, then files land under the later WORKDIR and ENV reaches RUN', async () => {
    const greeting = `hello-${randomUUID()}`;
    writeContext({
      Dockerfile: [
        `FROM node:${nodeMajor}-alpine AS build`,
        'WORKDIR /src',
        'COPY app/ ./',
        `ENV GREETING=${greeting}`,
        'RUN mkdir -p out && echo "$GREETING" > out/greeting.txt && cat input.txt >> out/greeting.txt',
        '',
        `FROM node:${nodeMajor}-slim`,
        'WORKDIR /srv',
        'COPY --from=build /src/out ./public',
        'USER node',
        'EXPOSE 3000',
        'CMD ["node", "-e", "process.stdout.write(require(\'fs\').readFileSync(\'public/greeting.txt\', \'utf8\'))"]',
      ].join('\n'),
      'app/input.txt': 'from the context\n',
    });
    const replay = await replayDockerfile({ dockerfile: path.join(context, 'Dockerfile'), context });
    try {
      expect(fs.readFileSync(replay.target.hostPath('/srv/public/greeting.txt'), 'utf8')).toBe(`${greeting}\nfrom the context\n`);
      expect(replay.target.config).toEqual({
        workdir: '/srv',
        env: {},
        user: 'node',
        cmd: expect.arrayContaining(['node']),
        exposed: [3000],
      });
      const container = startContainer(replay.target, {});
      await new Promise((resolve) => container.child.once('close', resolve));
      expect(container.output()).toBe(`${greeting}\nfrom the context\n`);
    } finally {
      replay.cleanup();
    }
    expect(fs.existsSync(replay.workDir)).toBe(false);
  });

  it('when .dockerignore excludes a file, then COPY cannot see it', async () => {
    writeContext({
      Dockerfile: `FROM node:${nodeMajor}-alpine\nWORKDIR /app\nCOPY secret.env ./\n`,
      '.dockerignore': '**/*.env\n',
      'secret.env': 'TOKEN=x\n',
    });
    await expect(replayDockerfile({ dockerfile: path.join(context, 'Dockerfile'), context })).rejects.toThrow(
      /COPY secret.env: not found in the build context/,
    );
  });

  it('when a RUN fails, then the replay fails with its output', async () => {
    writeContext({ Dockerfile: `FROM node:${nodeMajor}-alpine\nRUN echo about-to-fail && exit 3\n` });
    await expect(replayDockerfile({ dockerfile: path.join(context, 'Dockerfile'), context })).rejects.toThrow(
      /failed with 3:\s+about-to-fail/,
    );
  });

  it('when a base image needs another Node major than the host, then it is rejected', async () => {
    writeContext({ Dockerfile: `FROM node:${Number(nodeMajor) + 1}-alpine\nRUN true\n` });
    await expect(replayDockerfile({ dockerfile: path.join(context, 'Dockerfile'), context })).rejects.toThrow(/needs Node/);
  });

  it.each([
    ['ADD', 'ADD app.tar.gz /app'],
    ['ENTRYPOINT', 'ENTRYPOINT ["node"]'],
    ['a COPY wildcard', 'COPY *.json ./'],
    ['an absolute path in RUN', 'RUN rm -rf /tmp/cache'],
    ['a bind mount', 'RUN --mount=type=bind,source=.,target=/src true'],
  ])('when the Dockerfile uses %s, then parsing rejects it', (_what, line) => {
    expect(() => parseDockerfile(`FROM node:${nodeMajor}-alpine\n${line}\n`)).toThrow(/line 2/);
  });

  it('when a target is chosen, then only the stages it needs are replayed, and its config folds its parents', () => {
    const stages = parseDockerfile(
      [
        'FROM node:20-alpine AS build',
        'WORKDIR /app',
        'ENV A=1',
        'FROM build AS dev',
        'WORKDIR auth',
        'USER node',
        'CMD ["npm", "run", "dev"]',
        'FROM node:20-alpine AS unrelated',
        'FROM node:20-alpine AS runtime',
        'COPY --from=build /app/dist dist',
        'CMD ["node", "dist/index.js"]',
      ].join('\n'),
    );
    expect(stagesNeededFor(stages, 'dev').map((stage) => stage.name)).toEqual(['build', 'dev']);
    expect(stagesNeededFor(stages, 'runtime').map((stage) => stage.name)).toEqual(['build', 'runtime']);
    expect(stageConfig(stages, 'dev')).toEqual({
      workdir: '/app/auth',
      env: { A: '1' },
      user: 'node',
      cmd: ['npm', 'run', 'dev'],
      exposed: [],
    });
    expect(stageConfig(stages)).toEqual({ workdir: '/', env: {}, user: 'root', cmd: ['node', 'dist/index.js'], exposed: [] });
  });
});
