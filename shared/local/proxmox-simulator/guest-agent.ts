import type { SimGuest } from './model.ts';
import { SimError } from './sim-error.ts';

/** A process the simulated agent started: what it prints and when it ends. */
interface SimProcess {
  readonly endsAt: number;
  readonly exitcode: number;
  readonly out: string;
  readonly err: string;
}

/** What a simulated program does with its arguments and standard input. */
type Program = (
  args: readonly string[],
  input: string,
  guest: SimGuest,
) => { exitcode: number; out?: string; err?: string; seconds?: number };

/**
 * The programs the simulated guests have; anything else fails as glib does for a missing file.
 * `sleep` makes a hook outlast its timeout; `false` fails it.
 */
const PROGRAMS: Record<string, Program> = {
  true: () => ({ exitcode: 0 }),
  false: () => ({ exitcode: 1 }),
  sync: () => ({ exitcode: 0 }),
  echo: (args) => ({ exitcode: 0, out: `${args.join(' ')}\n` }),
  cat: (_args, input) => ({ exitcode: 0, out: input }),
  hostname: (_args, _input, guest) => ({ exitcode: 0, out: `${guest.name}\n` }),
  sleep: (args) => {
    const seconds = Number(args[0]);
    if (!Number.isFinite(seconds) || seconds < 0)
      return { exitcode: 1, err: `sleep: invalid time interval '${args[0] ?? ''}'\n` };
    return { exitcode: 0, seconds };
  },
};

/** Whether a guest's `agent` config value enables the agent (`1`, `enabled=1`, `1,fstrim_cloned_disks=1`). */
function agentEnabled(value: string): boolean {
  const first = value.split(',')[0] ?? '';
  const enabled = first.includes('=')
    ? (value
        .split(',')
        .find((part) => part.startsWith('enabled='))
        ?.slice('enabled='.length) ?? '0')
    : first;
  return enabled === '1' || enabled === 'yes' || enabled === 'on' || enabled === 'true';
}

/**
 * The QEMU guest agent of the simulated VMs, answering as qemu-server does
 * (`PVE/API2/Qemu/Agent.pm`, `PVE/QemuServer/Agent.pm`): first the config must name an agent,
 * then the VM must run, then the agent must answer a ping, else the call dies with Proxmox's text.
 * Processes live in memory (a restart forgets them, as a rebooted agent would).
 */
export class SimGuestAgents {
  readonly #now: () => number;
  readonly #timeFactor: number;
  readonly #processes = new Map<number, Map<number, SimProcess>>();
  #nextPid = 1000;

  constructor(options: { now: () => number; timeFactor: number }) {
    this.#now = options.now;
    this.#timeFactor = options.timeFactor;
  }

  /** `assert_agent_available`, in its order. */
  #assertAvailable(guest: SimGuest): void {
    if (guest.type !== 'qemu' || guest.agent === undefined)
      throw SimError.die('No QEMU guest agent configured');
    if (guest.status !== 'running') throw SimError.die(`VM ${guest.vmid} is not running`);
    // A disabled agent has no channel, so the ping inside the check fails.
    // A VM that does not boot runs QEMU but no OS, so no agent answers either.
    if (!agentEnabled(guest.agent) || guest.agentUnresponsive || guest.noBoot)
      throw SimError.die('QEMU guest agent is not running');
  }

  ping(guest: SimGuest): { result: Record<string, never> } {
    this.#assertAvailable(guest);
    return { result: {} };
  }

  exec(guest: SimGuest, command: readonly string[], inputData: string | undefined): { pid: number } {
    const [path, ...args] = command;
    if (path === undefined && inputData === undefined)
      throw SimError.die('command or input-data (or both) required');
    this.#assertAvailable(guest);
    const program = path === undefined ? undefined : PROGRAMS[path];
    if (!program) {
      throw SimError.die(
        `VM ${guest.vmid} qga command 'guest-exec' failed - Failed to execute child process \u201c${path ?? ''}\u201d (No such file or directory)`,
      );
    }
    const outcome = program(args, inputData ?? '', guest);
    const pid = this.#nextPid++;
    const processes = this.#processes.get(guest.vmid) ?? new Map<number, SimProcess>();
    processes.set(pid, {
      endsAt: this.#now() + (outcome.seconds ?? 0) * 1000 * this.#timeFactor,
      exitcode: outcome.exitcode,
      out: outcome.out ?? '',
      err: outcome.err ?? '',
    });
    this.#processes.set(guest.vmid, processes);
    return { pid };
  }

  /** Booleans as 1/0 and output decoded, as `qemu_exec_status` returns them. */
  execStatus(guest: SimGuest, pid: number): Record<string, string | number> {
    this.#assertAvailable(guest);
    const process = this.#processes.get(guest.vmid)?.get(pid);
    if (!process)
      throw SimError.die(`VM ${guest.vmid} qga command 'guest-exec-status' failed - Invalid parameter 'pid'`);
    if (this.#now() < process.endsAt) return { exited: 0 };
    // The agent forgets a process once its exit was read, as QGA does.
    this.#processes.get(guest.vmid)?.delete(pid);
    return {
      exited: 1,
      exitcode: process.exitcode,
      ...(process.out ? { 'out-data': process.out } : {}),
      ...(process.err ? { 'err-data': process.err } : {}),
    };
  }
}
