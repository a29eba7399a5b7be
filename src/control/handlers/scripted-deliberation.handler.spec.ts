import type { ConfigType } from '@nestjs/config';
import type { controlConfig } from '../../config/app.config.js';
import type { DeliberationContext, HandlerSession, MessageToAppend, ProgressReport } from './deliberation-handler.js';
import { COST_PER_ROUND, ScriptedDeliberationHandler } from './scripted-deliberation.handler.js';

function handlerWith(rounds: number, stepMs: number): ScriptedDeliberationHandler {
  return new ScriptedDeliberationHandler({ rounds, stepMs } as ConfigType<typeof controlConfig>);
}

// A recording context: the handler's whole effect on the world is these two lists.
function recordingContext(signal: AbortSignal = new AbortController().signal) {
  const reports: ProgressReport[] = [];
  const appended: MessageToAppend[] = [];
  const context: DeliberationContext = {
    session: { id: 's1', title: 'Pricing' } as HandlerSession,
    signal,
    progress: async (report) => void reports.push(report),
    appendMessages: async (items) => void appended.push(...items),
  };
  return { context, reports, appended };
}

describe('ScriptedDeliberationHandler', () => {
  it('walks decomposition, each round with its cost and message, then synthesis, and returns a result', async () => {
    const sut = handlerWith(3, 0);
    const { context, reports, appended } = recordingContext();

    const result = await sut.run(context);

    expect(reports.map((report) => report.phase)).toEqual(['decomposition', 'deliberation', 'deliberation', 'deliberation', 'synthesis']);
    expect(reports.filter((report) => report.roundNumber).map((report) => report.roundNumber)).toEqual([1, 2, 3]);
    expect(reports.reduce((sum, report) => sum + (report.costDelta ?? 0), 0)).toBeCloseTo(3 * COST_PER_ROUND, 10);
    expect(appended.map((message) => message.role)).toEqual(['assistant', 'assistant', 'assistant']);
    expect(appended[0].content).toContain('Pricing');
    expect(result.synthesisText).toContain('3 rounds');
    expect(result.finalRecommendation).toEqual(expect.any(String));
  });

  it('stops mid-step when its signal fires, appending nothing more', async () => {
    const sut = handlerWith(5, 60_000);
    const abort = new AbortController();
    const { context, reports, appended } = recordingContext(abort.signal);

    const run = sut.run(context);
    abort.abort('killed');

    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(reports).toEqual([]);
    expect(appended).toEqual([]);
  });
});
