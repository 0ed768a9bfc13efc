import { AsyncLocalStorage } from 'node:async_hooks';
import { AccessDeniedError, type Caller } from './access-denied.ts';
import { type Decision, evaluate } from './policy-evaluation.ts';
import type { FunctionSettings, LocalGrants } from './template-grants.ts';

/** `enforce`: a call the template does not grant fails as in AWS; `report`: it is logged and goes through. */
export type IamMode = 'enforce' | 'report';

export interface LocalIamOptions {
  readonly mode?: IamMode;
  /** Receives every refused call (in `report` mode the only trace of it). */
  readonly onDenied?: (denied: AccessDeniedError) => void;
}

interface Principal extends Caller {
  /** Set when the principal is a function of the template. */
  readonly function?: FunctionSettings;
}

/**
 * Decides locally what IAM decides in AWS, from the synthesized template's grants. The code
 * that runs as a function of the template runs inside `runAsFunction`, so every call it makes
 * through a guarded port (Lambda invoke, StartExecution, secrets, publish, DynamoDB) is checked
 * against that function's role. Code outside any function (the local stand-ins of AWS itself:
 * scheduler ticks, crash recovery, the demo seed) is not checked.
 */
export class LocalIam {
  readonly #grants: LocalGrants;
  readonly #mode: IamMode;
  readonly #onDenied: (denied: AccessDeniedError) => void;
  readonly #current = new AsyncLocalStorage<Principal>();
  /** Decisions by role, action and resource: the grants never change, and calls repeat (every table call). */
  readonly #decisions = new Map<string, Decision>();

  constructor(grants: LocalGrants, options: LocalIamOptions = {}) {
    this.#grants = grants;
    this.#mode = options.mode ?? 'enforce';
    this.#onDenied = options.onDenied ?? (() => {});
  }

  get grants(): LocalGrants {
    return this.#grants;
  }

  /** The settings of a function of the template; a name the template does not know is a mistake. */
  functionSettings(name: string): FunctionSettings {
    const settings = this.#grants.functions[name];
    if (!settings) throw new Error(`the synthesized template has no function '${name}'`);
    return settings;
  }

  /** Runs `call` as the function `name` (its role, a session named after it), as Lambda does. */
  runAsFunction<T>(name: string, call: () => T): T {
    const settings = this.functionSettings(name);
    return this.#current.run({ role: settings.role, session: name, function: settings }, call);
  }

  /** The function the current code runs as, if any. */
  currentFunction(): FunctionSettings | undefined {
    return this.#current.getStore()?.function;
  }

  /** Checks a call of the code running now; outside any function, nothing is checked. */
  authorize(action: string, resource: string): void {
    const principal = this.#current.getStore();
    if (principal) this.authorizeRole(principal, action, resource);
  }

  /** Checks a call made as `caller` (a state machine's role calling a function, starting a child). */
  authorizeRole(caller: Caller, action: string, resource: string): void {
    const key = `${caller.role}\0${action}\0${resource}`;
    let decision = this.#decisions.get(key);
    if (decision === undefined) {
      decision = evaluate(this.#grants.roles[caller.role]?.statements ?? [], action, resource);
      this.#decisions.set(key, decision);
    }
    if (decision === 'allowed') return;
    const denied = new AccessDeniedError(
      { role: caller.role, session: caller.session },
      action,
      resource,
      decision,
    );
    this.#onDenied(denied);
    if (this.#mode === 'enforce') throw denied;
  }

  /** The role a state machine of the template runs as. */
  stateMachineRole(arn: string): string {
    const machine = this.#grants.stateMachines[arn];
    if (!machine) throw new Error(`the synthesized template has no state machine ${arn}`);
    return machine.role;
  }
}
