/**
 * cognition/tools/environment — what a tool may touch: the /home capability
 * (never the whole volume: /lived, the grants and the audit log are out of
 * reach by construction), the episodic log for memory.recall, klog for
 * klog.read and the clock. Output bounds live here too.
 */

import type { DirectoryObject, Fat32Volume } from '../../fs/index.ts';
import type { Clock } from '../../hal/index.ts';
import type { Klog } from '../../kernel/index.ts';
import type { EpisodeLog } from '../../memory/index.ts';

export interface ToolEnvironment {
  /** capability rooted at /home; tool paths "/home/x" map to "/x" inside it */
  readonly home: DirectoryObject;
  /** the mounted volume `home` lies on (bring-up and tests; tools go through `home` only) */
  readonly volume: Fat32Volume;
  readonly episodes: EpisodeLog;
  readonly klog: Klog;
  readonly clock: Clock;
  /** the task running the tool (memory.recall leaves its own records out) */
  readonly taskId?: string;
}

/** bounds on what one tool call returns to the model */
export const TOOL_LIMITS = {
  /** fs.read: bytes returned per call */
  readBytes: 4096,
  /** fs.list: entries per call */
  listEntries: 200,
  /** fs.search: entries visited (files and folders) per call */
  searchVisits: 2000,
  /** fs.search: bytes of each file searched */
  searchFileBytes: 64 * 1024,
  /** fs.search: characters of context shown around a content match */
  searchExcerpt: 120,
  /** memory.recall: characters shown per hit */
  recallHitChars: 400,
  /** klog.read: lines per call */
  klogLines: 100,
} as const;
