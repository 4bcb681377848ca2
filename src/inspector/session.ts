import CDP from 'chrome-remote-interface';
import { LeakscopeError } from '../common/errors.ts';
import type { ProtocolMapping } from 'devtools-protocol/types/protocol-mapping.js';

type Commands = ProtocolMapping.Commands;
type Events = ProtocolMapping.Events;

/** The inspector went away (the program exited, or the debugger that lent us its connection ended). */
export class DisconnectedError extends LeakscopeError {
  override name = 'DisconnectedError';
  constructor(message: string) {
    super('disconnected', message);
  }
}

/**
 * A CDP connection to a Node inspector, by `ws://` URL: Node's own, or one a debugger hands
 * over (js-debug's CDP proxy). Typed commands and events; one place that knows the
 * connection may drop at any moment.
 */
export class InspectorSession {
  private closed = false;
  private readonly disconnectListeners = new Set<() => void>();

  private constructor(private readonly client: CDP.Client) {
    client.on('disconnect', () => {
      this.closed = true;
      for (const listener of this.disconnectListeners) listener();
    });
  }

  static async connect(webSocketUrl: string): Promise<InspectorSession> {
    // `local`: use the bundled protocol description; a debugger's proxy serves no /json/protocol.
    const client = await CDP({ target: webSocketUrl, local: true });
    return new InspectorSession(client);
  }

  /**
   * Connects through js-debug's CDP proxy, which shares the debugger's own connection and
   * passes on only the events a client subscribes to.
   */
  static async connectThroughDebugger(webSocketUrl: string): Promise<InspectorSession> {
    const session = await InspectorSession.connect(webSocketUrl);
    await session.client.send('JsDebug.subscribe' as never, { events: ['HeapProfiler.*', 'Runtime.executionContextCreated', 'Runtime.executionContextDestroyed'] } as never);
    return session;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async send<M extends keyof Commands>(method: M, ...params: Commands[M]['paramsType']): Promise<Commands[M]['returnType']> {
    if (this.closed) throw new DisconnectedError('the inspector connection is closed');
    try {
      return (await this.client.send(method as never, params[0] as never)) as Commands[M]['returnType'];
    } catch (error) {
      if (this.closed) throw new DisconnectedError(`the inspector connection closed during ${String(method)}`);
      throw error;
    }
  }

  /** Subscribes to a CDP event; returns the unsubscribe function. */
  on<E extends keyof Events>(event: E, listener: (...params: Events[E]) => void): () => void {
    const handler = (params: object) => (listener as (p: object) => void)(params);
    // The client is an EventEmitter; its typings only declare `on`.
    const emitter = this.client as unknown as NodeJS.EventEmitter;
    emitter.on(event, handler);
    return () => emitter.removeListener(event, handler);
  }

  /**
   * Calls `listener` when the program's main context is destroyed: the program is exiting.
   * A Node process with a debugger attached then waits for it to disconnect, so whoever
   * holds this session must let go for the process to end.
   */
  async onProgramEnd(listener: () => void): Promise<void> {
    let mainContext: number | null = null;
    this.on('Runtime.executionContextCreated', ({ context }) => {
      const aux = context.auxData as { isDefault?: boolean } | undefined;
      if (aux?.isDefault || mainContext === null) mainContext = context.id;
    });
    this.on('Runtime.executionContextDestroyed', ({ executionContextId }) => {
      if (executionContextId === mainContext) listener();
    });
    await this.send('Runtime.enable');
  }

  onDisconnect(listener: () => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close().catch(() => {});
  }
}
