import { EventTypes } from './subjects';
import { isWebhookEventPattern, WEBHOOK_EVENT_TYPES, webhookPatternsMatch } from './webhooks';

describe('webhook event types', () => {
  it('lets an endpoint name each public event, a family, or automation.webhook', () => {
    for (const type of WEBHOOK_EVENT_TYPES) expect(isWebhookEventPattern(type)).toBe(true);
    for (const pattern of ['contact.*', 'opportunity.*', 'automation.*', 'endpoint.*', 'automation.webhook']) {
      expect(isWebhookEventPattern(pattern)).toBe(true);
    }
  });

  it('refuses internal events, unknown families and loose wildcards', () => {
    for (const pattern of [
      EventTypes.crmEventReceived,
      EventTypes.activityAttributed,
      EventTypes.contactErased,
      EventTypes.automationWebhookRequested,
      'crm_event.*',
      '*',
      'contact*',
      'contact.created.*',
      '',
    ]) {
      expect(isWebhookEventPattern(pattern)).toBe(false);
    }
  });

  it('matches a type against exact names and family wildcards only', () => {
    expect(webhookPatternsMatch(['contact.*'], 'contact.updated')).toBe(true);
    expect(webhookPatternsMatch(['automation.*'], EventTypes.automationRunCompleted)).toBe(true);
    expect(webhookPatternsMatch(['contact.*'], 'contacts.updated')).toBe(false);
    expect(webhookPatternsMatch(['stage.changed'], 'stage.changed')).toBe(true);
    expect(webhookPatternsMatch(['stage.changed'], 'score.changed')).toBe(false);
    expect(webhookPatternsMatch(['lead.*', 'score.changed'], 'score.changed')).toBe(true);
  });
});
