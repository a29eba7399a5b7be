import { MemorySession, type AgentInputItem, type SessionHistoryTransactionArgs } from '@openai/agents-core';
import { randomUUID } from 'node:crypto';
import { newUser } from '../../../test/factories/token.factory.js';
import { installSameRealmClone } from './utils/same-realm-clone.js';
import { userMessage, useService } from './utils/service.js';

type TransactionSession = MemorySession | ReturnType<ReturnType<typeof useService>['agentsSession']>;

/**
 * Every applyHistoryTransaction case of MemorySession's own tests (agents-core 0.20,
 * test/memorySession.test.ts), run on MemorySession and on AgentsSession over the real service:
 * both must answer the same.
 */
describe('AgentsSession: history transactions as MemorySession applies them', () => {
  const service = useService();
  let restoreClone: () => void;
  beforeAll(() => (restoreClone = installSameRealmClone()));
  afterAll(() => restoreClone());
  const kinds: [string, (initialItems?: AgentInputItem[]) => Promise<TransactionSession>][] = [
    ['MemorySession', async (initialItems) => new MemorySession({ initialItems })],
    [
      'AgentsSession',
      async (initialItems = []) => {
        const session = service.agentsSession(`agent_${randomUUID()}`, newUser('txn'));
        await session.addItems(initialItems);
        return session;
      },
    ],
  ];

  describe.each(kinds)('%s', (_kind, make) => {
    it('applies append transactions idempotently', async () => {
      const session = await make([userMessage('start')]);
      const appended = userMessage('committed');
      const args = { operationId: 'operation-append-1', transaction: { type: 'append_items' as const, items: [appended] } };
      await session.applyHistoryTransaction(args);
      (appended as any).content = 'mutated';
      await session.addItems([userMessage('later')]);
      await session.applyHistoryTransaction({
        operationId: args.operationId,
        transaction: { type: 'append_items', items: [userMessage('committed')] },
      });
      expect(await session.getItems()).toEqual([userMessage('start'), userMessage('committed'), userMessage('later')]);
    });

    it('replaces an exact history suffix idempotently', async () => {
      const [prefix, expected, replacement] = [userMessage('start'), userMessage('blocked'), userMessage('accepted')];
      const session = await make([prefix, expected]);
      const transaction = {
        operationId: 'operation-replace-1',
        transaction: { type: 'replace_suffix' as const, expectedSuffix: [expected], replacement: [replacement] },
      };
      await session.applyHistoryTransaction(transaction);
      await session.addItems([userMessage('later')]);
      await session.applyHistoryTransaction(transaction);
      expect(await session.getItems()).toEqual([prefix, replacement, userMessage('later')]);
    });

    it('replaces a suffix of several items, and an empty expected suffix appends', async () => {
      const session = await make([userMessage('a'), userMessage('b'), userMessage('c')]);
      await session.applyHistoryTransaction({
        operationId: 'operation-replace-two',
        transaction: { type: 'replace_suffix', expectedSuffix: [userMessage('b'), userMessage('c')], replacement: [userMessage('bc')] },
      });
      await session.applyHistoryTransaction({
        operationId: 'operation-replace-none',
        transaction: { type: 'replace_suffix', expectedSuffix: [], replacement: [userMessage('d')] },
      });
      expect(await session.getItems()).toEqual([userMessage('a'), userMessage('bc'), userMessage('d')]);
    });

    it('rejects a suffix mismatch without recording the operation', async () => {
      const start = userMessage('start');
      const session = await make([start]);
      await expect(
        session.applyHistoryTransaction({
          operationId: 'operation-replace-after-conflict',
          transaction: { type: 'replace_suffix', expectedSuffix: [userMessage('different')], replacement: [userMessage('accepted')] },
        }),
      ).rejects.toThrow('suffix no longer matches');
      expect(await session.getItems()).toEqual([start]);
      await session.applyHistoryTransaction({
        operationId: 'operation-replace-after-conflict',
        transaction: { type: 'replace_suffix', expectedSuffix: [start], replacement: [userMessage('accepted')] },
      });
      expect(await session.getItems()).toEqual([userMessage('accepted')]);
    });

    it('rejects an expected suffix longer than the history', async () => {
      const session = await make([userMessage('only')]);
      await expect(
        session.applyHistoryTransaction({
          operationId: 'operation-too-long',
          transaction: { type: 'replace_suffix', expectedSuffix: [userMessage('before'), userMessage('only')], replacement: [] },
        }),
      ).rejects.toThrow('suffix no longer matches');
      expect(await session.getItems()).toEqual([userMessage('only')]);
    });

    it('rejects operation ID reuse with different content', async () => {
      const session = await make();
      await session.applyHistoryTransaction({
        operationId: 'operation-conflict',
        transaction: { type: 'append_items', items: [userMessage('first')] },
      });
      await expect(
        session.applyHistoryTransaction({
          operationId: 'operation-conflict',
          transaction: { type: 'append_items', items: [userMessage('second')] },
        }),
      ).rejects.toThrow('already applied with a different transaction');
      expect(await session.getItems()).toEqual([userMessage('first')]);
    });

    it('records an empty append transaction', async () => {
      const session = await make();
      await session.applyHistoryTransaction({ operationId: 'operation-empty', transaction: { type: 'append_items', items: [] } });
      await expect(
        session.applyHistoryTransaction({
          operationId: 'operation-empty',
          transaction: { type: 'append_items', items: [userMessage('unexpected')] },
        }),
      ).rejects.toThrow('already applied with a different transaction');
      expect(await session.getItems()).toEqual([]);
    });

    it('keeps an operation applied after popItem removed its items: a repeat changes nothing until a clear', async () => {
      const session = await make([userMessage('start')]);
      const append = { operationId: 'operation-popped', transaction: { type: 'append_items' as const, items: [userMessage('once')] } };
      await session.applyHistoryTransaction(append);
      expect(await session.popItem()).toEqual(userMessage('once'));
      await session.applyHistoryTransaction(append);
      expect(await session.getItems()).toEqual([userMessage('start')]);
      await expect(
        session.applyHistoryTransaction({
          operationId: 'operation-popped',
          transaction: { type: 'append_items', items: [userMessage('another')] },
        }),
      ).rejects.toThrow('already applied with a different transaction');
      await session.clearSession();
      await session.applyHistoryTransaction(append);
      expect(await session.getItems()).toEqual([userMessage('once')]);
    });

    it('keeps an operation applied after a suffix replacement removed its items, also one of the whole history', async () => {
      const session = await make();
      const first = { operationId: 'operation-replaced', transaction: { type: 'append_items' as const, items: [userMessage('draft')] } };
      await session.applyHistoryTransaction(first);
      // The suffix is the whole history: everything from its first item is replaced.
      await session.applyHistoryTransaction({
        operationId: 'operation-replacing',
        transaction: { type: 'replace_suffix', expectedSuffix: [userMessage('draft')], replacement: [userMessage('final')] },
      });
      await session.applyHistoryTransaction(first);
      expect(await session.getItems()).toEqual([userMessage('final')]);
    });

    it('resets transaction identities when the session is cleared', async () => {
      const session = await make();
      const transaction = {
        operationId: 'operation-after-reset',
        transaction: { type: 'append_items' as const, items: [userMessage('committed')] },
      };
      await session.applyHistoryTransaction(transaction);
      await session.clearSession();
      await session.applyHistoryTransaction(transaction);
      expect(await session.getItems()).toEqual([userMessage('committed')]);
    });

    it('rejects invalid transaction input before mutation', async () => {
      const start = userMessage('start');
      const session = await make([start]);
      const attempts: [SessionHistoryTransactionArgs, string][] = [
        [{ operationId: '   ', transaction: { type: 'append_items', items: [] } }, 'operationId must be a non-empty string'],
        [{ operationId: 'operation-unknown', transaction: { type: 'unknown' } as any }, 'Unsupported session history transaction type'],
        [{ operationId: 'operation-missing-transaction', transaction: null as any }, 'transaction must be an object'],
        [
          { operationId: 'operation-invalid-item', transaction: { type: 'append_items', items: [42] } as any },
          'items contain invalid or unsupported data',
        ],
      ];
      for (const [args, message] of attempts) await expect(session.applyHistoryTransaction(args)).rejects.toThrow(message);
      expect(await session.getItems()).toEqual([start]);
    });

    it('rejects unsupported transaction metadata before mutation', async () => {
      const start = userMessage('start');
      const session = await make([start]);
      const withDate: AgentInputItem = { ...userMessage('unsupported'), providerData: { timestamp: new Date(0) } };
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      const withCycle: AgentInputItem = { ...userMessage('cyclic'), providerData: cycle };
      const withBigInt: AgentInputItem = { ...userMessage('bigint'), providerData: { value: 42n } };
      for (const [operationId, items] of [
        ['operation-date', [withDate]],
        ['operation-cycle', [withCycle]],
        ['operation-bigint', [withBigInt]],
        ['operation-sparse', new Array<AgentInputItem>(1)],
      ] as const) {
        await expect(
          session.applyHistoryTransaction({ operationId, transaction: { type: 'append_items', items: [...items] } }),
        ).rejects.toThrow('items contain invalid or unsupported data');
      }
      expect(await session.getItems()).toEqual([start]);
    });

    it('rejects non-enumerable metadata before mutation, without recording the operation', async () => {
      const start = userMessage('start');
      const session = await make([start]);
      const item = userMessage('unsupported');
      Object.defineProperty(item, 'providerData', { enumerable: false, value: { hidden: true } });
      await expect(
        session.applyHistoryTransaction({ operationId: 'operation-non-enumerable', transaction: { type: 'append_items', items: [item] } }),
      ).rejects.toThrow('items contain invalid or unsupported data');
      expect(await session.getItems()).toEqual([start]);
      const retryItem = userMessage('retry');
      await session.applyHistoryTransaction({
        operationId: 'operation-non-enumerable',
        transaction: { type: 'append_items', items: [retryItem] },
      });
      expect(await session.getItems()).toEqual([start, retryItem]);
    });

    it('rejects unexpected transaction fields before mutation', async () => {
      const start = userMessage('start');
      const session = await make([start]);
      await expect(
        session.applyHistoryTransaction({
          operationId: 'operation-unexpected-append-field',
          transaction: { type: 'append_items', items: [userMessage('unsupported')], metadata: { attempt: 1 } } as any,
        }),
      ).rejects.toThrow('append transaction fields are invalid');
      await expect(
        session.applyHistoryTransaction({
          operationId: 'operation-unexpected-suffix-field',
          transaction: {
            type: 'replace_suffix',
            expectedSuffix: [start],
            replacement: [userMessage('x')],
            metadata: { attempt: 1 },
          } as any,
        }),
      ).rejects.toThrow('suffix transaction fields are invalid');
      expect(await session.getItems()).toEqual([start]);
      const retryItem = userMessage('retry');
      await session.applyHistoryTransaction({
        operationId: 'operation-unexpected-append-field',
        transaction: { type: 'append_items', items: [retryItem] },
      });
      expect(await session.getItems()).toEqual([start, retryItem]);
    });

    it('does not expose transaction content in snapshot errors', async () => {
      const session = await make();
      const item: AgentInputItem = { ...userMessage('unsupported'), providerData: { secret: Symbol('api-key-secret') } };
      const error = await session
        .applyHistoryTransaction({ operationId: 'operation-sensitive-invalid', transaction: { type: 'append_items', items: [item] } })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe('Session history transaction items contain invalid or unsupported data.');
      expect(await session.getItems()).toEqual([]);
    });

    it('copies shared-backed binary transaction data', async () => {
      const session = await make();
      const sharedBytes = new Uint8Array(new SharedArrayBuffer(2));
      sharedBytes.set([3, 7]);
      const item: AgentInputItem = { ...userMessage('binary'), providerData: { bytes: sharedBytes } };
      await session.applyHistoryTransaction({
        operationId: 'operation-shared-binary',
        transaction: { type: 'append_items', items: [item] },
      });
      sharedBytes[0] = 9;
      const retryItem: AgentInputItem = { ...userMessage('binary'), providerData: { bytes: new Uint8Array([3, 7]) } };
      await session.applyHistoryTransaction({
        operationId: 'operation-shared-binary',
        transaction: { type: 'append_items', items: [retryItem] },
      });
      const stored = await session.getItems();
      expect(stored).toHaveLength(1);
      // Bytes come back as bytes (not an object of index keys), as they were first applied.
      expect(stored[0].providerData?.bytes).toBeInstanceOf(Uint8Array);
      expect(stored[0].providerData?.bytes).toEqual(new Uint8Array([3, 7]));
    });

    it('canonicalizes ordinary object prototypes for retries and suffixes', async () => {
      const session = await make();
      const appended: AgentInputItem = {
        ...userMessage('canonical'),
        providerData: Object.assign(Object.create(null), { source: 'provider' }),
      };
      await session.applyHistoryTransaction({
        operationId: 'operation-canonical-append',
        transaction: { type: 'append_items', items: [appended] },
      });
      const [roundTripped] = await session.getItems();
      await session.applyHistoryTransaction({
        operationId: 'operation-canonical-append',
        transaction: { type: 'append_items', items: [roundTripped] },
      });
      await session.applyHistoryTransaction({
        operationId: 'operation-canonical-replace',
        transaction: { type: 'replace_suffix', expectedSuffix: [appended], replacement: [userMessage('replaced')] },
      });
      expect(await session.getItems()).toEqual([userMessage('replaced')]);
    });

    it('rejects unsupported cloned values without recording the operation', async () => {
      const typedArrayItem: AgentInputItem = {
        ...userMessage('unsupported-typed-array'),
        providerData: { values: new Uint16Array([300]) },
      };
      const proxiedItems = new Proxy([userMessage('proxied')], {});
      const session = await make();
      for (const items of [[typedArrayItem], proxiedItems]) {
        await expect(
          session.applyHistoryTransaction({ operationId: 'operation-rejected-clone', transaction: { type: 'append_items', items } }),
        ).rejects.toThrow('items contain invalid or unsupported data');
      }
      await session.applyHistoryTransaction({
        operationId: 'operation-rejected-clone',
        transaction: { type: 'append_items', items: [userMessage('accepted-after-rejections')] },
      });
      expect(await session.getItems()).toEqual([userMessage('accepted-after-rejections')]);
    });

    it('reads the transaction envelope once and redacts accessor errors', async () => {
      const session = await make();
      let operationIdReads = 0;
      const args = { transaction: { type: 'append_items' as const, items: [userMessage('once')] } } as SessionHistoryTransactionArgs;
      Object.defineProperty(args, 'operationId', {
        enumerable: true,
        get: () => (++operationIdReads === 1 ? 'operation-read-once' : 'changed'),
      });
      await session.applyHistoryTransaction(args);
      expect(operationIdReads).toBe(1);
      operationIdReads = 0;
      await session.applyHistoryTransaction(args);
      expect(operationIdReads).toBe(1);
      expect(await session.getItems()).toEqual([userMessage('once')]);

      const throwingArgs = {} as SessionHistoryTransactionArgs;
      Object.defineProperty(throwingArgs, 'operationId', {
        get: () => {
          throw new Error('api-key-secret');
        },
      });
      const error = await Promise.resolve(session.applyHistoryTransaction(throwingArgs)).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect((error as Error).message).toBe('Session history transaction arguments are invalid.');
    });

    it('applies one operation once when five retries of it race (issue 10: emulated client-side it applied five times)', async () => {
      const session = await make([userMessage('start')]);
      const append = {
        operationId: 'operation-raced-append',
        transaction: { type: 'append_items' as const, items: [userMessage('once')] },
      };
      await Promise.all(Array.from({ length: 5 }, () => session.applyHistoryTransaction(append)));
      const replace = {
        operationId: 'operation-raced-replace',
        transaction: { type: 'replace_suffix' as const, expectedSuffix: [userMessage('once')], replacement: [userMessage('replaced')] },
      };
      await Promise.all(Array.from({ length: 5 }, () => session.applyHistoryTransaction(replace)));
      expect(await session.getItems()).toEqual([userMessage('start'), userMessage('replaced')]);
    });
  });

  it('AgentsSession: five instances racing one operation on one key apply it once', async () => {
    const key = `agent_${randomUUID()}`;
    const user = newUser('txn');
    const append = {
      operationId: 'operation-five-instances',
      transaction: { type: 'append_items' as const, items: [userMessage('once')] },
    };
    await Promise.all(Array.from({ length: 5 }, () => service.agentsSession(key, user).applyHistoryTransaction(append)));
    expect(await service.agentsSession(key, user).getItems()).toEqual([userMessage('once')]);
  });
});
