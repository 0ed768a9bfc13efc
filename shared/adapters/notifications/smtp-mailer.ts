import { createTransport, type Transporter } from 'nodemailer';
import type { Mailer, MailMessage } from '#shared/ports/mailer.ts';

/**
 * Mail over SMTP with nodemailer: SES's SMTP interface in AWS, any SMTP server locally
 * (`SMTP_URL`, e.g. `smtp://user:pass@mail.example.com:587`; STARTTLS when offered).
 */
export class SmtpMailer implements Mailer {
  readonly #transport: Transporter;
  readonly #from: string;

  constructor(url: string, from: string) {
    this.#transport = createTransport(url);
    this.#from = from;
  }

  async send(message: MailMessage): Promise<{ reply: string }> {
    const info = await this.#transport.sendMail({ from: this.#from, ...message });
    return { reply: String(info.response ?? '') };
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}

/** Stands in when no SMTP server is configured: every email delivery fails, saying so. */
export class NoMailer implements Mailer {
  async send(): Promise<{ reply: string }> {
    throw new Error('no SMTP server is configured (set SMTP_URL)');
  }

  async close(): Promise<void> {}
}
