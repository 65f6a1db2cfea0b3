import { isLoopbackHostname } from './auth/config';

/** A host beyond this machine was asked for without --public. */
export class BindRefusedError extends Error {
  readonly code = 'PUBLIC_BIND_NOT_CONFIRMED';
  constructor(readonly host: string) {
    super(
      `Refusing to listen on "${host}": it is reachable from other machines. Pass --public to confirm ` +
        '(every request still needs a valid bearer token; put TLS in front, e.g. a reverse proxy), or use 127.0.0.1.',
    );
    this.name = 'BindRefusedError';
  }
}

/**
 * Decides whether the server may listen on `host`: loopback always; anything
 * else (0.0.0.0, ::, a LAN address, any hostname but localhost: no DNS lookup
 * is trusted) only when the operator confirmed it. Pure.
 */
export function checkBindHost(host: string, confirmedPublic: boolean): { public: boolean } {
  if (isLoopbackHostname(host)) return { public: false };
  if (!confirmedPublic) throw new BindRefusedError(host);
  return { public: true };
}
