import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { controlConfig } from '../../config/app.config.js';
import type { DeliberationContext, DeliberationHandler, DeliberationResult } from './deliberation-handler.js';

/** What each round adds to the session's totalCost. */
export const COST_PER_ROUND = 0.02;

/**
 * The built-in handler (DELIBERATION_HANDLER=scripted): a stand-in for a real agent pipeline that
 * walks its phases at DELIBERATION_STEP_MS per step, so the control plane can be seen working.
 */
@Injectable()
export class ScriptedDeliberationHandler implements DeliberationHandler {
  constructor(@Inject(controlConfig.KEY) private readonly config: ConfigType<typeof controlConfig>) {}

  async run(ctx: DeliberationContext): Promise<DeliberationResult> {
    const topic = ctx.session.title ?? ctx.session.problemStatement ?? 'the problem';
    // sleep() rejects as soon as the signal fires, so a kill stops the run mid-step.
    const step = () => sleep(this.config.stepMs, undefined, { signal: ctx.signal });

    await step();
    await ctx.progress({ phase: 'decomposition' });
    for (let round = 1; round <= this.config.rounds; round++) {
      await step();
      await ctx.progress({ phase: 'deliberation', roundNumber: round, costDelta: COST_PER_ROUND });
      await ctx.appendMessages([{ role: 'assistant', content: `Round ${round} on ${topic}: arguments weighed.`, metadata: { round } }]);
    }
    await step();
    await ctx.progress({ phase: 'synthesis' });
    return {
      synthesisText: `After ${this.config.rounds} rounds on ${topic}, the panel converged.`,
      finalRecommendation: 'Proceed with the option the rounds converged on.',
    };
  }
}
