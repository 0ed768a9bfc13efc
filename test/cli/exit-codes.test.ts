import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError, ExitCode, exitCodeFor } from '../../cli/exit-codes.ts';
import { ApiError, ApiUnreachableError } from '../../client/api-client.ts';

describe('exitCodeFor', () => {
  it.each([
    [400, ExitCode.rejected],
    [401, ExitCode.auth],
    [403, ExitCode.auth],
    [404, ExitCode.notFound],
    [409, ExitCode.rejected],
    [412, ExitCode.rejected],
    [422, ExitCode.rejected],
    [500, ExitCode.server],
    [502, ExitCode.server],
  ])('maps HTTP %i to %i', (status, code) => {
    expect(exitCodeFor(new ApiError(status, undefined))).toBe(code);
  });

  it('maps no answer to 5, help to 0, parse errors to 1 and its own errors to their code', () => {
    expect(exitCodeFor(new ApiUnreachableError('http://x', new Error('ECONNREFUSED')))).toBe(5);
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(0);
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'x'))).toBe(1);
    expect(exitCodeFor(new CliError('gave up', ExitCode.timeout))).toBe(7);
  });
});
