/** Every scenario the harness runs, in report order. */
export const SCENARIOS: readonly string[];
