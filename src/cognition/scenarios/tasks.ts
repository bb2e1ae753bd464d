/**
 * cognition/scenarios/tasks — every user task of the suite: read-only
 * questions, then writes, moves, deletes and shares the user asked for.
 */

import { CHANGE_TASKS } from './tasks-change.ts';
import { READ_TASKS } from './tasks-read.ts';
import type { UserTask } from './types.ts';

export const USER_TASKS: readonly UserTask[] = [...READ_TASKS, ...CHANGE_TASKS];
