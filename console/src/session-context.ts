import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api/client.ts';
import type { Role, User } from './auth/session.ts';

export interface Session {
  readonly api: ApiClient;
  readonly user: User;
  /** Whether the signed-in role may do what needs `role`. */
  can(role: Role): boolean;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}
