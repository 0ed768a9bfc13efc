import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface LocalMailbox {
  /** `smtp://127.0.0.1:<port>` for the mailer. */
  readonly url: string;
  readonly folder: string;
  stop(): Promise<void>;
}

/**
 * A tiny SMTP server on loopback that writes every message it receives as an `.eml` file into
 * the data folder, so `npm start` delivers readable email with no mail server set up. Used only
 * when `SMTP_URL` is not set.
 */
export async function startLocalMailbox(
  folder: string,
  onMessage: (file: string, to: string[]) => void,
): Promise<LocalMailbox> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'pve-snapshots local mailbox',
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const file = join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${++count}.eml`);
        const to = session.envelope.rcptTo.map((address) => address.address);
        // Written under a temporary name and renamed, so a reader never sees half a message.
        // Owner-only: mail carries confirmation codes.
        writeFile(`${file}.part`, Buffer.concat(chunks), { mode: 0o600 })
          .then(() => rename(`${file}.part`, file))
          .then(
            () => {
              onMessage(file, to);
              callback(null, `Ok: saved as ${file}`);
            },
            (error: Error) => callback(error),
          );
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    folder,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
