import { jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import { PeriodicSweep } from './periodic-sweep.js';

describe('PeriodicSweep', () => {
  const logger = (warn = jest.fn()) => ({ warn }) as unknown as Logger;

  it('runs no second pass while one runs, and reports what each did', async () => {
    let release!: () => void;
    const warn = jest.fn();
    const sweep = new PeriodicSweep<string>(logger(warn), 'test sweep', async (done) => {
      done.push('a');
      await new Promise<void>((resolve) => (release = resolve));
      done.push('b');
    });
    const first = sweep.run();
    expect(await sweep.run()).toEqual([]);
    release();
    expect(await first).toEqual(['a', 'b']);
    expect(warn).not.toHaveBeenCalled();
  });

  it('reports what an interrupted pass finished, logs why, and runs again next time', async () => {
    const warn = jest.fn();
    let calls = 0;
    const sweep = new PeriodicSweep<string>(logger(warn), 'test sweep', async (done) => {
      calls++;
      done.push(`s${calls}`);
      if (calls === 1) throw new Error('connection refused');
    });
    expect(await sweep.run()).toEqual(['s1']);
    expect(warn).toHaveBeenCalledWith('test sweep interrupted: connection refused');
    expect(await sweep.run()).toEqual(['s2']);
  });

  it('runs a pass every interval once started, and none once stopped', async () => {
    jest.useFakeTimers();
    try {
      const pass = jest.fn(async () => undefined);
      const sweep = new PeriodicSweep<string>(logger(), 'test sweep', pass);
      sweep.start(1000);
      await jest.advanceTimersByTimeAsync(3000);
      expect(pass).toHaveBeenCalledTimes(3);
      sweep.stop();
      await jest.advanceTimersByTimeAsync(3000);
      expect(pass).toHaveBeenCalledTimes(3);
    } finally {
      jest.useRealTimers();
    }
  });
});
