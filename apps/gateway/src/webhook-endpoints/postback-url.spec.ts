import { checkPostbackTemplate, expandPostbackUrl } from './postback-url';

describe('postback URL templates', () => {
  it('expands the placeholders, URL-encoded, and leaves absent ones empty', () => {
    expect(
      expandPostbackUrl('https://track.example.com/pb?cid={contact_id}&s={stage}&o={offer}&x={from_stage}', {
        contact_id: 'c 1',
        stage: 'hot',
        offer: 'a&b',
        from_stage: null,
      }),
    ).toBe('https://track.example.com/pb?cid=c%201&s=hot&o=a%26b&x=');
  });

  it('refuses unknown placeholders, placeholders in the host and other schemes', () => {
    expect(() => checkPostbackTemplate('https://t.example.com/pb?c={click}')).toThrow(/not one of/);
    expect(() => checkPostbackTemplate('https://{source}.example.com/pb')).toThrow(/not the host/);
    expect(() => checkPostbackTemplate('ftp://t.example.com/pb?s={stage}')).toThrow(/http or https/);
    expect(checkPostbackTemplate('https://t.example.com/pb?s={stage}').hostname).toBe('t.example.com');
  });
});
