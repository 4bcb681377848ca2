// A TypeScript service's session store that never lets go: sessions are opened, never closed.
// Built to dist/ with a source map, so Leakscope reports lines of this file, not of the build.

export interface Session {
  id: string;
  user: string;
  history: string[];
  openedAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private opened = 0;

  open(user: string): Session {
    const session: Session = {
      id: `session-${this.opened++}`,
      user,
      history: new Array<string>(32).fill(user),
      openedAt: Date.now(),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  get size(): number {
    return this.sessions.size;
  }
}
