/**
 * The typed events that travel on the kernel event bus.
 *
 * `EventMap` maps each topic to its payload. A subsystem that publishes a new
 * kind of event adds its topic here, so every subscriber sees one closed set
 * of shapes. Timestamps are monotonic milliseconds since boot.
 */

export interface EventMap {
  /** a file-system operation on a mounted ChimaeraOS volume */
  'fs.op': { readonly op: 'create' | 'write' | 'append' | 'truncate' | 'rename' | 'unlink' | 'mkdir' | 'rmdir'; readonly path: string; readonly bytes?: number };
  /** a kernel task changed state */
  'task.state': { readonly taskId: number; readonly name: string; readonly state: 'started' | 'stopped' | 'failed' | 'stuck' };
  /** a token generated for an llm.generate request that asked to stream */
  'llm.token': { readonly requestId: string; readonly principal: string; readonly token: number; readonly text: string };
  /** a klog line at warn level or above (so daemons can react to trouble) */
  'klog.alert': { readonly level: 'warn' | 'error' | 'panic'; readonly subsystem: string; readonly message: string };
}

export type EventTopic = keyof EventMap;

export interface BusEvent<T extends EventTopic = EventTopic> {
  readonly topic: T;
  /** bus-wide sequence number, starts at 1, no gaps */
  readonly seq: number;
  /** monotonic time of publication [ms since boot] */
  readonly time: number;
  readonly payload: EventMap[T];
}
