import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../platform/config.js';
import { addressOf, messageIdFor, openMailer, smtpUrlProblem } from '../../platform/mail.js';

describe('mail configuration', () => {
  it('when KOSH_SMTP_URL is unset → the .eml default under the data directory', () => {
    const config = loadConfig({ KOSH_DATA_DIR: '/tmp/kosh-mail-test' });
    expect(config.smtpUrl).toBeNull();
    expect(config.mailFrom).toBe('kosh billing <billing@kosh.invalid>');
    expect(openMailer(config).transport.kind).toBe('eml');
  });

  it('when KOSH_SMTP_URL is an smtp URL → SMTP', async () => {
    const config = loadConfig({
      KOSH_SMTP_URL: 'smtp://mailer:s3cr%40t@mail.example.com:2525',
      KOSH_MAIL_FROM: 'School meals <billing@meals.example.in>',
    });
    expect(config.smtpUrl).toBe('smtp://mailer:s3cr%40t@mail.example.com:2525');
    const mailer = openMailer(config);
    expect(mailer.transport.kind).toBe('smtp');
    expect(mailer.from).toBe('School meals <billing@meals.example.in>');
    await mailer.transport.close();
  });

  it.each([
    ['http://mail.example.com', 'the scheme must be smtp or smtps'],
    ['smtp://', 'no host'],
    ['smtp://mail example', 'not a URL'],
    ['mail.example.com:25', 'the scheme must be smtp or smtps'],
    ['smtp://:secret@mail.example.com', 'a password without a user'],
    ['smtp://mail.example.com/path', 'no path allowed'],
  ])('when KOSH_SMTP_URL is %j → refused at start: %s', (url, why) => {
    expect(smtpUrlProblem(url)).toBe(why);
    const err = (() => {
      try {
        loadConfig({ KOSH_SMTP_URL: url });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const problem = (err as ConfigError).problems.find((p) => p.startsWith('KOSH_SMTP_URL'));
    expect(problem).toContain(why);
    // The URL may hold a password: the problem never repeats it.
    expect(problem).not.toContain('secret');
  });

  it('when KOSH_MAIL_FROM is not an address → refused at start', () => {
    expect(() => loadConfig({ KOSH_MAIL_FROM: 'billing team' })).toThrow(/KOSH_MAIL_FROM/);
  });

  it('the Message-ID is the email id at the From domain', () => {
    expect(addressOf('kosh <billing@kosh.example>')).toBe('billing@kosh.example');
    expect(addressOf('billing@kosh.example')).toBe('billing@kosh.example');
    expect(addressOf('billing')).toBeNull();
    expect(messageIdFor('eml_abc', 'kosh <billing@kosh.example>')).toBe('<eml_abc@kosh.example>');
  });
});
