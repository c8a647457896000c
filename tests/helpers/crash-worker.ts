/**
 * A worker entry that dies at start-up, before its ready line (anchors-reliability.md §7.2 F4:
 * "crash loop: worker dies at startup"). Tests map a worker kind to it to trip the supervisor's
 * crash-loop breaker. Exit code from MYSTI_CRASH_EXIT_CODE (default 3).
 */
process.stderr.write('crash-worker: failing at start-up on purpose\n');
process.exit(Number(process.env.MYSTI_CRASH_EXIT_CODE ?? 3));
