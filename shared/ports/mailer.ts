export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Sends mail over SMTP; resolves with the server's reply (e.g. `250 2.0.0 Ok: queued as ...`). */
export interface Mailer {
  send(message: MailMessage): Promise<{ reply: string }>;
  close(): Promise<void>;
}
