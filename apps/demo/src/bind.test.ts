import { BindRefusedError, checkBindHost } from './bind';

describe('checkBindHost', () => {
  it('allows loopback hosts without confirmation', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) expect(checkBindHost(host, false)).toEqual({ public: false });
  });

  it('refuses any other host unless --public confirms it', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'api.example.com', 'localhost.example.com']) {
      expect(() => checkBindHost(host, false)).toThrow(BindRefusedError);
      expect(checkBindHost(host, true)).toEqual({ public: true });
    }
    expect(() => checkBindHost('0.0.0.0', false)).toThrow('Refusing to listen on "0.0.0.0": it is reachable from other machines. Pass --public to confirm');
  });
});
