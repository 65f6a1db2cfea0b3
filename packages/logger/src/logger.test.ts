import { createMemoryLogger } from './index';

describe('createLogger', () => {
  it('writes one JSON object per line with level, message, timestamp, service and metadata', async () => {
    const { logger, lines } = createMemoryLogger({ service: 'unit', level: 'info' });
    logger.info('user.provisioning', { outcome: 'created', userId: 'dev-temp-1' });
    logger.debug('not shown at info level');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', message: 'user.provisioning', service: 'unit', outcome: 'created', userId: 'dev-temp-1' });
    expect(Number.isNaN(Date.parse(String(lines[0]!.timestamp)))).toBe(false);
  });
});
