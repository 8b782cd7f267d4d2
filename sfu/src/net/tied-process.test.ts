import { testLogger } from '../test/logger';
import { TiedProcess } from './tied-process';

describe('a tied media helper process', () => {
  it('keeps the end of what it wrote to stderr and says how it ended', async () => {
    const helper = new TiedProcess('sh', ['-c', 'echo "could not open the camera" >&2; exit 3'], { logger: testLogger, stopSignal: 'SIGTERM' });
    expect(await helper.ended).toEqual({ code: 3, signal: null });
    expect(helper.log).toContain('could not open the camera');
    expect(helper.running).toBe(false);
  });

  it('stops with its own signal, and is killed when it does not listen', async () => {
    const polite = new TiedProcess('sleep', ['30'], { logger: testLogger, stopSignal: 'SIGTERM' });
    await polite.stop();
    expect(await polite.ended).toEqual({ code: null, signal: 'SIGTERM' });
    const stubborn = new TiedProcess('sh', ['-c', 'trap "" TERM; echo ready >&2; exec sleep 30'], { logger: testLogger, stopSignal: 'SIGTERM' });
    while (!stubborn.log.includes('ready')) await new Promise((resolve) => setTimeout(resolve, 20)); // its trap is set
    await stubborn.stop(300);
    expect((await stubborn.ended).signal).toBe('SIGKILL');
    // Stopping again is nothing.
    await stubborn.stop();
  });
});
