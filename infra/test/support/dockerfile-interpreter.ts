/**
 * Replays the subset of Dockerfile instructions the service images use, without Docker: each stage
 * gets its own directory that stands in for the image's file system (absolute paths are rewritten under
 * it), RUN runs with /bin/sh in the stage's WORKDIR, and the final stage's CMD can be started.
 *
 * What it does not reproduce, on purpose and checked where it matters:
 * - The base image: the host's Node.js stands in for `node:<major>-*`, so the majors must match.
 * - Users and ownership: commands run as the current user; USER is recorded (tests assert it).
 * - Absolute paths inside RUN commands are not rewritten, so a RUN that uses one is rejected.
 * - `RUN --mount=type=cache` is the host's own cache (npm's cache lives outside the stage either way).
 * Anything outside the subset (ADD, ENTRYPOINT, ARG, COPY wildcards, ...) is rejected, never skipped.
 */
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerfileParser, Instruction } from 'dockerfile-ast';
import dockerignore from '@balena/dockerignore';

export type Step =
  | { kind: 'WORKDIR'; path: string }
  | { kind: 'COPY'; from?: string; sources: string[]; dest: string }
  | { kind: 'RUN'; command: string }
  | { kind: 'ENV'; vars: Array<[string, string]> }
  | { kind: 'USER'; user: string }
  | { kind: 'CMD'; argv: string[] }
  | { kind: 'EXPOSE'; ports: number[] };

export interface Stage {
  index: number;
  name?: string;
  /** An image reference, or the name of an earlier stage. */
  from: string;
  steps: Step[];
}

/** What a stage's instructions declare (its own and those inherited from a parent stage). */
export interface StageConfig {
  workdir: string;
  env: Record<string, string>;
  user: string;
  cmd?: string[];
  exposed: number[];
}

function fail(instruction: Instruction, message: string): never {
  throw new Error(`line ${instruction.getRange().start.line + 1}: ${instruction.getKeyword()} ${message}`);
}

/** JSON form (`["a", "b"]`) or shell form (`a b`, run as `/bin/sh -c`). */
function commandArgv(instruction: Instruction): string[] {
  const content = (instruction.getArgumentsContent() ?? '').trim();
  if (content.startsWith('[')) {
    const parsed: unknown = JSON.parse(content);
    if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string'))
      fail(instruction, 'JSON form must be an array of strings');
    return parsed;
  }
  return ['/bin/sh', '-c', content];
}

function flagsOf(instruction: Instruction): Map<string, string> {
  const withFlags = instruction as Instruction & { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
  return new Map((withFlags.getFlags?.() ?? []).map((flag) => [flag.getName(), flag.getValue() ?? '']));
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = instruction.getArguments().map((argument) => argument.getValue());
    const flags = flagsOf(instruction);
    if (keyword === 'FROM') {
      if (flags.size > 0 || !(args.length === 1 || (args.length === 3 && args[1].toUpperCase() === 'AS')))
        fail(instruction, 'must be `FROM image [AS name]`');
      stages.push({ index: stages.length, from: args[0], name: args[2], steps: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) fail(instruction, 'comes before any FROM');
    switch (keyword) {
      case 'WORKDIR':
        if (args.length !== 1) fail(instruction, 'takes one path');
        stage.steps.push({ kind: 'WORKDIR', path: args[0] });
        break;
      case 'COPY': {
        for (const name of flags.keys()) if (name !== 'from' && name !== 'chown') fail(instruction, `flag --${name} is not supported`);
        const parts = (instruction.getArgumentsContent() ?? '').trim().startsWith('[') ? commandArgv(instruction) : args;
        if (parts.length < 2) fail(instruction, 'needs a source and a destination');
        if (parts.some((part) => /[*?[]/.test(part))) fail(instruction, 'wildcards are not supported');
        stage.steps.push({ kind: 'COPY', from: flags.get('from'), sources: parts.slice(0, -1), dest: parts[parts.length - 1] });
        break;
      }
      case 'RUN': {
        for (const [name, value] of flags) {
          if (name !== 'mount' || !/^type=cache(,|$)/.test(value)) fail(instruction, `flag --${name}=${value} is not supported`);
        }
        const argv = commandArgv(instruction);
        if (argv[0] !== '/bin/sh') fail(instruction, 'must use the shell form');
        if (/(^|[\s=:'"<>|&;(])\/(?!\/)/.test(argv[2])) fail(instruction, 'uses an absolute path, which the replay cannot rewrite');
        stage.steps.push({ kind: 'RUN', command: argv[2] });
        break;
      }
      case 'ENV': {
        const properties = (
          instruction as Instruction & { getProperties(): Array<{ getName(): string; getValue(): string | null }> }
        ).getProperties();
        stage.steps.push({ kind: 'ENV', vars: properties.map((property) => [property.getName(), property.getValue() ?? '']) });
        break;
      }
      case 'USER':
        if (args.length !== 1) fail(instruction, 'takes one user');
        stage.steps.push({ kind: 'USER', user: args[0] });
        break;
      case 'CMD':
        stage.steps.push({ kind: 'CMD', argv: commandArgv(instruction) });
        break;
      case 'EXPOSE':
        if (!args.every((port) => /^\d+(\/tcp)?$/.test(port))) fail(instruction, 'takes TCP port numbers');
        stage.steps.push({ kind: 'EXPOSE', ports: args.map((port) => Number.parseInt(port, 10)) });
        break;
      default:
        fail(instruction, 'is not supported by this interpreter');
    }
  }
  if (stages.length === 0) throw new Error('no FROM instruction');
  return stages;
}

export function findStage(stages: readonly Stage[], reference: string): Stage | undefined {
  return /^\d+$/.test(reference) ? stages[Number(reference)] : stages.find((stage) => stage.name === reference);
}

function parentStage(stages: readonly Stage[], stage: Stage): Stage | undefined {
  const parent = findStage(stages, stage.from);
  return parent && parent.index < stage.index ? parent : undefined;
}

function resolveContainerPath(workdir: string, target: string): string {
  return path.posix.resolve(workdir, target);
}

/** Folds the declarative instructions of a stage (and its parent stages) without running anything. */
export function stageConfig(stages: readonly Stage[], target: string = String(stages.length - 1)): StageConfig {
  const stage = findStage(stages, target);
  if (!stage) throw new Error(`no stage ${target}`);
  const parent = parentStage(stages, stage);
  const config: StageConfig = parent
    ? structuredClone(stageConfig(stages, String(parent.index)))
    : { workdir: '/', env: {}, user: 'root', exposed: [] };
  for (const step of stage.steps) {
    if (step.kind === 'WORKDIR') config.workdir = resolveContainerPath(config.workdir, step.path);
    if (step.kind === 'ENV') for (const [name, value] of step.vars) config.env[name] = value;
    if (step.kind === 'USER') config.user = step.user;
    if (step.kind === 'CMD') config.cmd = step.argv;
    if (step.kind === 'EXPOSE') config.exposed.push(...step.ports);
  }
  return config;
}

/** The stages a target needs (its parent chain and every COPY --from), in build order. */
export function stagesNeededFor(stages: readonly Stage[], target: string): Stage[] {
  const needed = new Set<number>();
  const visit = (reference: string): void => {
    const stage = findStage(stages, reference);
    if (!stage) throw new Error(`no stage ${reference}`);
    if (needed.has(stage.index)) return;
    needed.add(stage.index);
    const parent = parentStage(stages, stage);
    if (parent) visit(String(parent.index));
    for (const step of stage.steps) if (step.kind === 'COPY' && step.from !== undefined) visit(step.from);
  };
  visit(target);
  return stages.filter((stage) => needed.has(stage.index));
}

/** Copies the build context into `dest`, leaving out what .dockerignore excludes. */
export function copyBuildContext(context: string, dest: string): void {
  const ignoreFile = path.join(context, '.dockerignore');
  const patterns = fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, 'utf8').split('\n') : [];
  const ignore = dockerignore({ ignorecase: false }).add(patterns);
  // An excluded folder can only be pruned whole when no `!pattern` could bring a file back.
  const canPrune = !patterns.some((line) => line.trim().startsWith('!'));
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(context, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      const ignored = ignore.ignores(child);
      if (entry.isDirectory()) {
        if (ignored && canPrune) continue;
        walk(child);
      } else if (!ignored && (entry.isFile() || entry.isSymbolicLink())) {
        fs.mkdirSync(path.join(dest, relative), { recursive: true });
        fs.cpSync(path.join(context, child), path.join(dest, child), { verbatimSymlinks: true });
      }
    }
  };
  fs.mkdirSync(dest, { recursive: true });
  walk('');
}

/** Host environment for commands: no variables of the test runner, no node_modules/.bin on PATH. */
function hostEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['HOME', 'TMPDIR', 'LANG', 'TERM', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((entry) => entry !== '' && !entry.split(path.sep).includes('node_modules'))
    .join(path.delimiter);
  return env;
}

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs a command in its own process group; on timeout the whole group is killed. */
export function runCommand(
  argv: readonly string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<ExitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

export interface ReplayedStage {
  stage: Stage;
  /** The directory that stands for the stage's `/`. */
  root: string;
  config: StageConfig;
  /** A container path (absolute, POSIX) mapped into the stage's directory. */
  hostPath(containerPath: string): string;
}

export interface ReplayOptions {
  dockerfile: string;
  /** The build context (the repository root for the service images). */
  context: string;
  /** Stage names or indexes to build (the stages they share are replayed once); the last stage by default, as `docker build` does. */
  targets?: string[];
  /** Per-RUN time limit. */
  runTimeoutMs?: number;
  /** Extra environment for RUN, e.g. `npm_config_prefer_offline`. */
  runEnv?: Record<string, string>;
}

export interface Replay {
  workDir: string;
  /** Replayed stages by name and by index. */
  stages: Map<string, ReplayedStage>;
  /** The first target. */
  target: ReplayedStage;
  stage(reference: string): ReplayedStage;
  /** Removes every directory the replay created. */
  cleanup(): void;
}

function mapped(root: string, containerPath: string): string {
  const inside = path.posix.resolve('/', containerPath);
  return path.join(root, ...inside.split('/').filter(Boolean));
}

function checkBaseImage(image: string): void {
  const match = /^node:(\d+)(-[\w.-]+)?$/.exec(image);
  if (!match) throw new Error(`base image ${image} cannot be stood in for by the host`);
  const hostMajor = process.versions.node.split('.')[0];
  if (match[1] !== hostMajor) throw new Error(`base image ${image} needs Node ${match[1]}, the host has ${process.versions.node}`);
}

function assertNoEnclosingNodeModules(dir: string): void {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    if (fs.existsSync(path.join(current, 'node_modules'))) throw new Error(`${current}/node_modules would leak into module resolution`);
    if (path.dirname(current) === current) return;
  }
}

async function replayStage(
  stage: Stage,
  all: readonly Stage[],
  done: Map<string, ReplayedStage>,
  contextCopy: string,
  workDir: string,
  options: ReplayOptions,
): Promise<ReplayedStage> {
  const root = path.join(workDir, `stage-${stage.index}${stage.name ? `-${stage.name}` : ''}`);
  const parent = parentStage(all, stage);
  if (parent) {
    const parentResult = done.get(String(parent.index));
    if (!parentResult) throw new Error(`stage ${parent.index} was not replayed`);
    fs.cpSync(parentResult.root, root, { recursive: true, verbatimSymlinks: true });
  } else {
    checkBaseImage(stage.from);
    fs.mkdirSync(root, { recursive: true });
  }
  const config: StageConfig = parent
    ? structuredClone(done.get(String(parent.index))?.config as StageConfig)
    : { workdir: '/', env: {}, user: 'root', exposed: [] };
  for (const step of stage.steps) {
    switch (step.kind) {
      case 'WORKDIR':
        config.workdir = resolveContainerPath(config.workdir, step.path);
        fs.mkdirSync(mapped(root, config.workdir), { recursive: true });
        break;
      case 'COPY': {
        const sourceStage = step.from === undefined ? undefined : done.get(String(findStage(all, step.from)?.index));
        if (step.from !== undefined && !sourceStage) throw new Error(`COPY --from=${step.from}: no such replayed stage`);
        const destIsDir = step.dest.endsWith('/') || step.sources.length > 1;
        const dest = mapped(root, resolveContainerPath(config.workdir, step.dest));
        for (const source of step.sources) {
          const from = sourceStage ? mapped(sourceStage.root, source) : mapped(contextCopy, source);
          if (!fs.existsSync(from))
            throw new Error(`COPY ${source}: not found in ${sourceStage ? `stage ${step.from}` : 'the build context'}`);
          if (fs.statSync(from).isDirectory()) {
            fs.cpSync(from, dest, { recursive: true, verbatimSymlinks: true });
          } else {
            const target =
              destIsDir || (fs.existsSync(dest) && fs.statSync(dest).isDirectory()) ? path.join(dest, path.basename(from)) : dest;
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.cpSync(from, target);
          }
        }
        break;
      }
      case 'RUN': {
        const cwd = mapped(root, config.workdir);
        fs.mkdirSync(cwd, { recursive: true });
        const result = await runCommand(['/bin/sh', '-c', step.command], {
          cwd,
          env: { ...hostEnvironment(), ...config.env, ...options.runEnv },
          timeoutMs: options.runTimeoutMs ?? 180_000,
        });
        if (result.code !== 0)
          throw new Error(
            `RUN ${step.command} (stage ${stage.name ?? stage.index}) failed with ${result.code ?? result.signal}:\n${result.output.slice(-4000)}`,
          );
        break;
      }
      case 'ENV':
        for (const [name, value] of step.vars) config.env[name] = value;
        break;
      case 'USER':
        config.user = step.user;
        break;
      case 'CMD':
        config.cmd = step.argv;
        break;
      case 'EXPOSE':
        config.exposed.push(...step.ports);
        break;
    }
  }
  return { stage, root, config, hostPath: (containerPath) => mapped(root, containerPath) };
}

/** Replays the stages `target` needs, each in its own directory under a new temporary directory. */
export async function replayDockerfile(options: ReplayOptions): Promise<Replay> {
  const stages = parseDockerfile(fs.readFileSync(options.dockerfile, 'utf8'));
  const targets = options.targets ?? [String(stages.length - 1)];
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfile-replay-'));
  const cleanup = (): void => fs.rmSync(workDir, { recursive: true, force: true });
  try {
    assertNoEnclosingNodeModules(workDir);
    const contextCopy = path.join(workDir, 'context');
    copyBuildContext(options.context, contextCopy);
    const done = new Map<string, ReplayedStage>();
    const needed = new Set(targets.flatMap((target) => stagesNeededFor(stages, target)));
    for (const stage of stages.filter((candidate) => needed.has(candidate))) {
      const result = await replayStage(stage, stages, done, contextCopy, workDir, options);
      done.set(String(stage.index), result);
      if (stage.name) done.set(stage.name, result);
    }
    const stage = (reference: string): ReplayedStage => {
      const result = done.get(String(findStage(stages, reference)?.index));
      if (!result) throw new Error(`stage ${reference} was not replayed`);
      return result;
    };
    return { workDir, stages: done, target: stage(targets[0]), stage, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

export interface StartedContainer {
  child: ChildProcess;
  output(): string;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a replayed stage's CMD from its WORKDIR with its ENV plus `env` (in its own process group). */
export function startContainer(replayed: ReplayedStage, env: Record<string, string>): StartedContainer {
  const argv = replayed.config.cmd;
  if (!argv || argv.length === 0) throw new Error(`stage ${replayed.stage.name ?? replayed.stage.index} has no CMD`);
  const child = spawn(argv[0], argv.slice(1), {
    cwd: replayed.hostPath(replayed.config.workdir),
    env: { ...hostEnvironment(), ...replayed.config.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('close', () => resolve());
  });
  return {
    child,
    output: () => output,
    stop: async (graceMs = 5000) => {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Background processes of a shell-form CMD (e.g. a watcher) share the group.
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is empty.
      }
    },
  };
}
