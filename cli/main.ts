#!/usr/bin/env node
import { homedir } from 'node:os';
import { text } from 'node:stream/consumers';
import { setTimeout } from 'node:timers/promises';
import { runCli } from './run.ts';

// `pvesnap ... | head` closes stdout early: that is no failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  homeDir: homedir(),
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: () => text(process.stdin),
  sleep: (ms) => setTimeout(ms),
});
