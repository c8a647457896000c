/** Id helpers shared by store modules. UUIDv7-like ordering is not needed: runs carry a seq. */
import { randomUUID } from 'node:crypto';

/** A random RFC 4122 v4 uuid. */
export const newId = (): string => randomUUID();
