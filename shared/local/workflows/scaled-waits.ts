type WaitDefinition = {
  States: Record<
    string,
    {
      Type: string;
      Seconds?: number;
      SecondsPath?: string;
      Retry?: Array<{ IntervalSeconds?: number }>;
      ItemProcessor?: WaitDefinition;
      Iterator?: WaitDefinition;
    }
  >;
};

/**
 * Wait durations and Retry intervals scaled by `factor`, in milliseconds by state name, for every
 * Wait state and retrying Task of the definitions.
 */
export function scaledWaits(
  definitions: Record<string, Record<string, unknown>>,
  factor: number,
): Record<string, number> {
  const waits: Record<string, number> = {};
  const visit = (definition: WaitDefinition) => {
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type === 'Wait' && typeof state.Seconds === 'number')
        waits[name] = Math.round(state.Seconds * 1000 * factor);
      // A Wait whose length a step chooses (the restore test's): its usual look, 2 s, scaled.
      if (state.Type === 'Wait' && typeof state.SecondsPath === 'string')
        waits[name] = Math.round(2000 * factor);
      const retryInterval = state.Retry?.[0]?.IntervalSeconds;
      if (state.Type === 'Task' && retryInterval !== undefined)
        waits[name] = Math.round(retryInterval * 1000 * factor);
      const inner = state.ItemProcessor ?? state.Iterator;
      if (inner) visit(inner);
    }
  };
  for (const definition of Object.values(definitions)) visit(definition as WaitDefinition);
  return waits;
}
