/** Epoch milliseconds now; passed in so tests control time. */
export type Clock = () => number;
