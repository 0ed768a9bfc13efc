/**
 * Runs one command as a child and kills it when the parent goes away, however the parent ends
 * (including SIGKILL, which no handler in the parent can catch). The parent starts this file
 * with an IPC channel; the channel closes when the parent dies.
 *
 * Usage: node child-watchdog.ts <command> [args...]
 */
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command || !process.send) {
  console.error('child-watchdog: start me with an IPC channel and a command');
  process.exit(2);
}

const child = spawn(command, args, { stdio: 'inherit' });
const stop = () => {
  if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 5000).unref();
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
child.on('error', (error) => {
  process.send?.({
    type: 'spawn-error',
    code: (error as NodeJS.ErrnoException).code,
    message: error.message,
  });
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
