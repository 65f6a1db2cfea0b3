import { checkProcessRegistry } from './processes';

/** Shared global teardown (base.js): fails the run when a process the tests started is still alive (and stops it). */
export default async function globalTeardown(): Promise<void> {
  await checkProcessRegistry();
}
