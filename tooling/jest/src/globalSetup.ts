import { startProcessRegistry } from './processes';

/** Shared global setup (base.js): the run's registry of processes the tests start. */
export default function globalSetup(): void {
  startProcessRegistry();
}
