import { ErrorCodes } from '@leadflow/contracts';
import { HTTP_STATUS_BY_ERROR_CODE, httpStatusOf } from './error-statuses';

describe('HTTP_STATUS_BY_ERROR_CODE', () => {
  it('gives every error code an HTTP status, so no code ships unmapped', () => {
    const unmapped = Object.values(ErrorCodes).filter((code) => !Object.hasOwn(HTTP_STATUS_BY_ERROR_CODE, code));
    expect(unmapped).toEqual([]);
    for (const code of Object.values(ErrorCodes)) expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
  });

  it('maps no status for a code that is not one', () => {
    expect(Object.keys(HTTP_STATUS_BY_ERROR_CODE).sort()).toEqual(Object.values(ErrorCodes).sort());
  });

  it('keeps the statuses senders see today', () => {
    expect(Object.fromEntries(Object.values(ErrorCodes).map((code) => [code, httpStatusOf(code)]))).toEqual({
      invalid_payload: 400,
      validation_failed: 400,
      invalid_query: 400,
      invalid_id: 400,
      invalid_cursor: 400,
      idempotency_key_reused: 422,
      invalid_idempotency_key: 400,
      payload_too_large: 413,
      unsupported_media_type: 415,
      batch_too_large: 400,
      unauthorized: 401,
      forbidden: 403,
      rate_limited: 429,
      too_many_attempts: 429,
      login_disabled: 503,
      name_taken: 409,
      last_owner: 409,
      invalid_mapping: 400,
      import_not_open: 409,
      not_found: 404,
      precondition_required: 428,
      invalid_precondition: 400,
      version_conflict: 412,
      identity_conflict: 409,
      invalid_email: 400,
      invalid_phone: 400,
      invalid_country: 400,
      invalid_owner: 400,
      properties_too_large: 400,
      method_not_allowed: 405,
      unavailable: 503,
      internal_error: 500,
      invalid_currency: 400,
      invalid_amount: 400,
      invalid_automation: 400,
      too_many_decimals: 400,
      amount_out_of_range: 400,
      unknown_contact: 422,
      unknown_lead: 422,
      unknown_pipeline: 422,
      unknown_stage: 422,
      stage_in_use: 409,
      lead_not_attributed: 409,
      lead_already_converted: 409,
      invalid_event: 400,
      missing_identifier: 400,
      event_too_large: 400,
      origin_not_allowed: 403,
      contact_erased: 410,
      identity_erased: 409,
      invalid_rule: 400,
      invalid_thresholds: 400,
      rule_exists: 409,
      merge_into_self: 409,
      contact_deleted: 409,
      invalid_signature: 401,
      stale_timestamp: 401,
      event_not_retryable: 409,
      unsafe_webhook_url: 400,
      unknown_event_type: 400,
      delivery_in_progress: 409,
    });
  });

  it('answers 500 for a code no entry knows: a bug on our side, not the sender', () => {
    expect(httpStatusOf('no_such_code')).toBe(500);
    expect(httpStatusOf('toString')).toBe(500);
  });
});
