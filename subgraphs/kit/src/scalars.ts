import { DateTimeResolver } from 'graphql-scalars';

/** Every subgraph maps `Date` to the contract's `DateTime` (ISO-8601, UTC). */
export const SCALARS_MAP = [{ type: Date, scalar: DateTimeResolver }];
export { DateTimeResolver };
