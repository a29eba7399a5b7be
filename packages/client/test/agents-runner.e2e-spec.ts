import { Agent, MemorySession, Runner, tool, type AgentInputItem, type Session } from '@openai/agents';
import { assistantMessage, functionCall, ScriptedModel } from '@openai/agents-core/testing';
import { randomUUID } from 'node:crypto';
import { newUser } from '../../../test/factories/token.factory.js';
import { installSameRealmClone } from './utils/same-realm-clone.js';
import { useService } from './utils/service.js';

/** Two turns, each with a tool call, scripted: the model answers the same whatever the session. */
function scriptedModel() {
  return new ScriptedModel([
    [functionCall('get_weather', { city: 'Paris' }, { callId: 'call_paris', id: 'fc_1' })],
    [assistantMessage('Sunny in Paris.', { id: 'msg_1' })],
    [functionCall('get_weather', { city: 'Rome' }, { callId: 'call_rome', id: 'fc_2' })],
    [assistantMessage('Rainy in Rome, unlike Paris.', { id: 'msg_2' })],
  ]);
}

const getWeather = tool({
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
  execute: async (input) => `${(input as { city: string }).city}: ${(input as { city: string }).city === 'Paris' ? 'sunny' : 'rain'}, 21°C`,
});

type SessionInputCallback = (history: AgentInputItem[], newItems: AgentInputItem[]) => AgentInputItem[];

// A callback that hands the history on as copies (new objects, the same JSON text): the Runner
// tells stored items from new ones by their JSON text, so nothing is saved twice.
const copyHistory: SessionInputCallback = (history, newItems) => [...history.map((item) => ({ ...item })), ...newItems];

// A callback that rebuilds the user's messages (as an app that redacts or annotates them would):
// a rebuilt item is not any stored item's JSON text, so the Runner saves it as new input, with
// MemorySession as with AgentsSession.
const rebuildUserMessages: SessionInputCallback = (history, newItems) => [
  ...history.map((item) => ('role' in item && item.role === 'user' ? { role: 'user' as const, content: item.content } : item)),
  ...newItems,
];

async function twoTurns(session: Session, sessionInputCallback?: SessionInputCallback) {
  const model = scriptedModel();
  const agent = new Agent({ name: 'weather', instructions: 'Answer about the weather.', model, tools: [getWeather] });
  const runner = new Runner({ tracingDisabled: true });
  const options = { session, ...(sessionInputCallback ? { sessionInputCallback } : {}) };
  const outputs = [];
  for (const question of ['Weather in Paris?', 'And in Rome?']) outputs.push((await runner.run(agent, question, options)).finalOutput);
  model.assertComplete();
  return {
    outputs,
    // Every request the model got, as JSON text (the abort signal is the one non-data field).
    requests: model.calls.map((call) => JSON.stringify({ ...call.request, signal: undefined })),
    history: JSON.stringify(await session.getItems()),
  };
}

/** The SDK's Runner with a scripted model (no network) on AgentsSession and on MemorySession. */
describe('AgentsSession under the Agents SDK Runner', () => {
  const service = useService();
  let restoreClone: () => void;
  beforeAll(() => (restoreClone = installSameRealmClone()));
  afterAll(() => restoreClone());

  it.each([
    // user, call, result, answer per turn
    ['plain', undefined, 8],
    ['with a sessionInputCallback that copies the history', copyHistory, 8],
    // ... and turn 2 also saves the rebuilt first question
    ['with a sessionInputCallback that rebuilds user messages', rebuildUserMessages, 9],
  ])(
    'runs two turns with tool calls (%s): every model request the same JSON text, stored histories equal',
    async (_label, callback, storedItems) => {
      const memory = await twoTurns(new MemorySession(), callback);
      const remote = await twoTurns(service.agentsSession(`agent_${randomUUID()}`, newUser('runner')), callback);

      expect(memory.outputs).toEqual(['Sunny in Paris.', 'Rainy in Rome, unlike Paris.']);
      expect(remote.outputs).toEqual(memory.outputs);
      expect(remote.requests).toHaveLength(4);
      for (const [index, request] of remote.requests.entries())
        expect({ index, request }).toEqual({ index, request: memory.requests[index] });
      expect(remote.history).toBe(memory.history);
      expect(JSON.parse(remote.history)).toHaveLength(storedItems);
    },
  );

  it('a second Runner process picks the conversation up from the store', async () => {
    const key = `agent_${randomUUID()}`;
    const user = newUser('runner');
    const first = await twoTurns(service.agentsSession(key, user));
    const again = await service.agentsSession(key, user).getItems();
    expect(JSON.stringify(again)).toBe(first.history);
  });
});
