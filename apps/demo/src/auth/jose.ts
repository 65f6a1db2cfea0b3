/**
 * jose 6 is published as ES modules only, and this package is CommonJS (as
 * Jest and tsx run it): it is loaded with import(), once, when the first
 * verifier or token is made.
 */
import type * as JoseModule from 'jose' with { 'resolution-mode': 'import' };

export type Jose = typeof JoseModule;

let loading: Promise<Jose> | undefined;

export function loadJose(): Promise<Jose> {
  loading ??= import('jose');
  return loading;
}
