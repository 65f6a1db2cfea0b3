import { createProgress, memoryOutput } from './output';

describe('createProgress', () => {
  it('redraws one line on a terminal', () => {
    const out = memoryOutput(true);
    const progress = createProgress(out);
    progress.working('step 1/2 saving…');
    progress.update('step 1/2 saved');
    progress.update('step 2/2 saved');
    progress.end();
    expect(out.text()).toBe('\r\x1b[2Kstep 1/2 saving…\r\x1b[2Kstep 1/2 saved\r\x1b[2Kstep 2/2 saved\n');
  });

  it('writes plain lines, without the transient ones, elsewhere', () => {
    const out = memoryOutput(false);
    const progress = createProgress(out);
    progress.working('step 1/2 saving…');
    progress.update('step 1/2 saved');
    progress.update('step 2/2 saved');
    progress.end();
    expect(out.text()).toBe('step 1/2 saved\nstep 2/2 saved\n');
  });
});
