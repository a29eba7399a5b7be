import { Webhook } from 'standardwebhooks';
import { signWebhook, webhookHeaders } from './webhook-signature.js';

const SECRET = `whsec_${Buffer.from('a secret of twenty-four+ bytes').toString('base64')}`;

describe('webhook signature', () => {
  it('is what the standardwebhooks package signs and verifies', () => {
    const body = JSON.stringify({ id: 'x', status: 'completed', title: 'é ✓' });
    const now = new Date();
    const headers = webhookHeaders(SECRET, 'msg_1', body, now);
    expect(headers['webhook-signature']).toBe(new Webhook(SECRET).sign('msg_1', now, body));
    expect(new Webhook(SECRET).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('changes with the id, the time and the body', () => {
    const base = signWebhook(SECRET, 'msg_1', 1, '{}');
    expect(signWebhook(SECRET, 'msg_2', 1, '{}')).not.toBe(base);
    expect(signWebhook(SECRET, 'msg_1', 2, '{}')).not.toBe(base);
    expect(signWebhook(SECRET, 'msg_1', 1, '{ }')).not.toBe(base);
  });
});
