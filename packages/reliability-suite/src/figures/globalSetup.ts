import { startProcessRegistry } from '@agentstate/jest-config/processes';
import { resetFigures } from './figures';

/** The shared global setup (the run's process registry), plus forgetting the figures of earlier runs. */
export default function globalSetup(): void {
  startProcessRegistry();
  resetFigures();
}
