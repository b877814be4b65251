// Starts a real Redis Cluster for the tests: six `redis-server` processes (3 masters, 3 replicas)
// with `--cluster-enabled yes`, on free ports at 127.0.0.1, each in a temporary directory (where
// the server keeps its nodes.conf), joined by `redis-cli --cluster create`; torn down afterwards.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@ssekit/test-kit';
import { redisCliBinary, redisServerBinary } from './redis-server.js';

const run = promisify(execFile);

/** How long a node may be unreachable before the cluster fails it over: short, to keep tests fast. */
const NODE_TIMEOUT_MS = 1_000;

/** One node of the cluster as `CLUSTER NODES` describes it. */
export interface ClusterNodeInfo {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** For a replica, the id of its master. */
  masterId: string | undefined;
  /** The slot ranges a master serves, as `[first, last]`. */
  slots: [number, number][];
  failed: boolean;
}

/** A running Redis Cluster of three masters, each with one replica. */
export interface RedisCluster {
  /** The six nodes as `'127.0.0.1:PORT'`, as given to `redisChannel({ redis: { cluster: nodes } })`. */
  readonly nodes: string[];
  /** Their ports. */
  readonly ports: number[];
  /** Runs `redis-cli -p <port> <args>` and returns its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The cluster's topology as the node on `port` sees it. */
  topology(port?: number): Promise<ClusterNodeInfo[]>;
  /** The port of the master serving `key`'s slot. */
  masterOf(key: string): Promise<ClusterNodeInfo>;
  /** Kills the node on `port` (SIGKILL: as abrupt as a crash) and waits until it has exited. */
  kill(port: number): Promise<void>;
  /**
   * Resolves once every live node reports `cluster_state:ok` and agrees that every slot has a
   * live master, and every live replica's link to its master is up; rejects after `timeoutMs`.
   */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their directories. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A run that ends abruptly must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts six cluster-enabled nodes and joins them into three masters with one replica each. */
export async function startRedisCluster(): Promise<RedisCluster> {
  if (!redisServerBinary) throw new Error('redis-server is not installed');
  const binary = redisServerBinary;
  const dir = mkdtempSync(join(tmpdir(), 'ssekit-cluster-'));
  const ports: number[] = [];
  // Distinct free ports; the cluster bus listens on each port + 10000, which must be free too.
  while (ports.length < 6) {
    const port = await freePort();
    if (port < 55_000 && !ports.includes(port)) ports.push(port);
  }
  const children = new Map<number, ChildProcess>();
  const cli = async (port: number, ...args: string[]) =>
    (await run(redisCliBinary, ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout;

  for (const port of ports) {
    const child = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        String(NODE_TIMEOUT_MS),
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    running.add(child);
    child.once('exit', () => running.delete(child));
    children.set(port, child);
  }

  async function kill(port: number): Promise<void> {
    const child = children.get(port);
    children.delete(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async function stop(): Promise<void> {
    await Promise.all([...children.keys()].map(kill));
    rmSync(dir, { recursive: true, force: true });
  }

  /** As a live node sees it (the first one, unless `port` is given). */
  async function topology(port = [...children.keys()][0] as number): Promise<ClusterNodeInfo[]> {
    return parseNodes(await cli(port, 'cluster', 'nodes'));
  }

  async function waitUntilHealthy(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const live = [...children.keys()];
        const states = await Promise.all(live.map((port) => cli(port, 'cluster', 'info')));
        const views = await Promise.all(live.map((port) => topology(port)));
        const covered = views.every((nodes) => {
          const served = nodes
            .filter((node) => node.role === 'master' && !node.failed && live.includes(node.port))
            .flatMap((node) => node.slots)
            .reduce((sum, [first, lastSlot]) => sum + lastSlot - first + 1, 0);
          return served === 16_384;
        });
        // Replicas in sync with their masters, so that one can be promoted.
        const replicas = (views[0] ?? []).filter(
          (node) => node.role === 'replica' && live.includes(node.port),
        );
        const links = await Promise.all(replicas.map((node) => cli(node.port, 'info', 'replication')));
        const synced = links.every((info) => info.includes('master_link_status:up'));
        if (states.every((state) => state.includes('cluster_state:ok')) && covered && synced) return;
        last = [...states, ...links].join('\n');
      } catch (error) {
        last = String(error);
      }
      if (Date.now() > deadline) throw new Error(`the cluster was not healthy in ${timeoutMs} ms:\n${last}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  try {
    await Promise.all(ports.map((port) => waitForPing(cli, port)));
    await run(redisCliBinary, [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    await waitUntilHealthy();
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    nodes: ports.map((port) => `127.0.0.1:${port}`),
    ports,
    cli,
    topology,
    async masterOf(key) {
      const nodes = await topology();
      const live = nodes.find((node) => !node.failed && children.has(node.port)) as ClusterNodeInfo;
      const slot = Number((await cli(live.port, 'cluster', 'keyslot', key)).trim());
      const master = nodes.find(
        (node) =>
          node.role === 'master' && !node.failed && node.slots.some(([a, b]) => slot >= a && slot <= b),
      );
      if (!master) throw new Error(`no master serves slot ${slot}`);
      return master;
    },
    kill,
    waitUntilHealthy,
    stop,
  };
}

async function waitForPing(cli: (port: number, ...args: string[]) => Promise<string>, port: number) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      if ((await cli(port, 'ping')).trim() === 'PONG') return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads `CLUSTER NODES`: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot>...`. */
function parseNodes(text: string): ClusterNodeInfo[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id, address, flags, master, , , , , ...slots] = line.trim().split(' ');
      const flagList = (flags ?? '').split(',');
      return {
        id: id as string,
        port: Number(/:(\d+)@/.exec(address ?? '')?.[1]),
        role: flagList.includes('master') ? 'master' : 'replica',
        masterId: master === '-' ? undefined : master,
        slots: slots
          .filter((range) => !range.startsWith('['))
          .map((range) => {
            const [first, last = first] = range.split('-').map(Number);
            return [first, last] as [number, number];
          }),
        failed: flagList.includes('fail') || flagList.includes('fail?'),
      };
    });
}
