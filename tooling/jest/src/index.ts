// The registry of processes the tests start (see processes.ts); base.js is the Jest config itself.
export { checkProcessRegistry, isAlive, ProcessesLeftRunningError, REGISTRY_ENV, readProcessRegistry, startProcessRegistry, stopProcesses, trackProcess, type TrackedProcess } from './processes';
