import { checkWebhookTarget, refusedAddress } from './webhook-target';

describe('webhook targets', () => {
  it('refuses loopback, private and unique-local addresses unless private targets are allowed', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '192.168.0.10', '172.16.5.4', '::1', 'fd00::1', '::ffff:127.0.0.1']) {
      expect(refusedAddress(address, false)).not.toBeNull();
      expect(refusedAddress(address, true)).toBeNull();
    }
  });

  it('always refuses link-local (cloud metadata), multicast and unspecified addresses', () => {
    for (const address of ['169.254.169.254', 'fe80::1', '224.0.0.1', '0.0.0.0', '::', '255.255.255.255']) {
      expect(refusedAddress(address, true)).not.toBeNull();
    }
  });

  it('lets public addresses through', () => {
    expect(refusedAddress('93.184.216.34', false)).toBeNull();
    expect(refusedAddress('2606:2800:220:1:248:1893:25c8:1946', false)).toBeNull();
  });

  it('refuses other schemes, credentials and private literals with unsafe_webhook_url', async () => {
    await expect(checkWebhookTarget('ftp://example.com/x', true)).rejects.toMatchObject({ code: 'unsafe_webhook_url' });
    await expect(checkWebhookTarget('https://user:pw@example.com/x', true)).rejects.toMatchObject({ code: 'unsafe_webhook_url' });
    await expect(checkWebhookTarget('http://127.0.0.1:8080/hook', false)).rejects.toMatchObject({ code: 'unsafe_webhook_url' });
    await expect(checkWebhookTarget('http://[::1]:8080/hook', false)).rejects.toMatchObject({ code: 'unsafe_webhook_url' });
    await expect(checkWebhookTarget('http://localhost:8080/hook', false)).rejects.toMatchObject({ code: 'unsafe_webhook_url' });
    await expect(checkWebhookTarget('http://169.254.169.254/latest/meta-data', true)).rejects.toMatchObject({ code: 'unsafe_webhook_url' });
    await expect(checkWebhookTarget('http://127.0.0.1:8080/hook', true)).resolves.toBeInstanceOf(URL);
  });
});
