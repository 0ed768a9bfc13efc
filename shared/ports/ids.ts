/** Generates ids; passed in so tests can make them predictable. */
export interface IdGenerator {
  /** A new id with the given prefix, e.g. `pol_01JD7...`; later ids sort after earlier ones. */
  next(prefix: string): string;
}
