/** The worker protocol's messages live in wire/worker-protocol.ts (they cross a process boundary). */
export * from '../../wire/worker-protocol';
