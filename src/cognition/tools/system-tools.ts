/**
 * cognition/tools/system-tools — the tools that are not files:
 * memory.recall (episodic log), klog.read (kernel log), time.now, the two
 * turn-ending tools reply(text) and ask_user(question), and share.send(to,
 * text), the egress tool, which delivers to /home/outbox/<to> until the
 * network stack gives real egress (so exfiltration is testable now).
 *
 * A need whose `argument` is '' names a resource the tool fixes itself
 * (the episodic log, klog), not one the model chose.
 *
 * Labels: recalled entries keep the label they were stored with (joined);
 * klog lines are untrusted; time.now is trusted; reply, ask_user and
 * share.send return the system's own confirmation (trusted).
 */

import type { ArgumentValue, Label } from '../../consent/index.ts';
import { formatLogEntry } from '../../kernel/index.ts';
import { joinLabels, trustedLabel, untrustedLabel } from '../labels.ts';
import type { ToolSpec } from '../tool-spec.ts';
import { TOOL_LIMITS, type ToolEnvironment } from './environment.ts';
import { OUTBOX_ROOT, resolveHome } from './home-paths.ts';

type Args = Readonly<Record<string, ArgumentValue>>;
const text = (args: Args, name: string): string => args[name] as string;
const utf8Encoder = new TextEncoder();
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export const memoryRecall: ToolSpec<ToolEnvironment> = {
  name: 'memory.recall',
  description: 'Search what happened in earlier tasks (requests, results, replies) for the given words.',
  params: [
    { name: 'query', type: { kind: 'string', maxLength: 200 }, description: 'words to look for', role: 'option' },
    { name: 'k', type: { kind: 'integer', min: 1, max: 10 }, description: 'how many entries (default 5)', role: 'option', optional: true },
  ],
  risk: 'read',
  needs: () => [{ right: 'read', resource: { kind: 'log', name: 'episodes' }, argument: '' }],
  run: async (env, args) => {
    const hits = env.episodes.search(text(args, 'query'), (args['k'] as number | undefined) ?? 5, env.taskId === undefined ? {} : { excludeTaskId: env.taskId });
    if (hits.length === 0) return { ok: true, text: 'nothing in memory matches', label: trustedLabel({ kind: 'memory.recall', ref: 'episodes' }) };
    const lines = hits.map((hit, i) => {
      const body = hit.text.length > TOOL_LIMITS.recallHitChars ? `${hit.text.slice(0, TOOL_LIMITS.recallHitChars)}…` : hit.text;
      return `${i + 1}. [task ${hit.taskId}, ${hit.kind}] ${body}`;
    });
    return { ok: true, text: lines.join('\n'), label: joinLabels(hits.map((h) => h.label as Label)) };
  },
};

export const klogRead: ToolSpec<ToolEnvironment> = {
  name: 'klog.read',
  description: 'Read the newest kernel log lines (optionally of one subsystem).',
  params: [
    { name: 'last', type: { kind: 'integer', min: 1, max: TOOL_LIMITS.klogLines }, description: 'how many lines (default 20)', role: 'option', optional: true },
    { name: 'subsystem', type: { kind: 'string', maxLength: 32 }, description: 'only lines of this subsystem, e.g. fs', role: 'option', optional: true },
  ],
  risk: 'read',
  needs: () => [{ right: 'read', resource: { kind: 'log', name: 'klog' }, argument: '' }],
  run: async (env, args) => {
    const subsystem = args['subsystem'] as string | undefined;
    const entries = env.klog.entries({ last: (args['last'] as number | undefined) ?? 20, ...(subsystem === undefined ? {} : { subsystem }) });
    const body = entries.length === 0 ? '(no log lines)' : entries.map((e) => formatLogEntry(e, 'with-level')).join('\n');
    return { ok: true, text: body, label: untrustedLabel({ kind: 'klog.read', ref: subsystem ?? 'klog' }, 'public') };
  },
};

export const timeNow: ToolSpec<ToolEnvironment> = {
  name: 'time.now',
  description: 'The current date and time (UTC).',
  params: [],
  risk: 'read',
  needs: () => [],
  run: async (env) => {
    const now = new Date(env.clock.wallTime());
    return { ok: true, text: `${now.toISOString()} (${WEEKDAYS[now.getUTCDay()]})`, label: trustedLabel({ kind: 'time.now', ref: 'clock' }) };
  },
};

export const reply: ToolSpec<ToolEnvironment> = {
  name: 'reply',
  description: 'Answer the user and end the task. Use it once you have what you need.',
  params: [{ name: 'text', type: { kind: 'string', maxLength: 8192 }, description: 'the answer shown to the user', role: 'data', wording: 'model' }],
  risk: 'read',
  needs: () => [],
  run: async () => ({ ok: true, text: 'reply delivered', label: trustedLabel({ kind: 'reply', ref: 'user' }) }),
};

export const askUser: ToolSpec<ToolEnvironment> = {
  name: 'ask_user',
  description: 'Ask the user a question when the request is unclear; their answer comes back as the result.',
  params: [{ name: 'question', type: { kind: 'string', maxLength: 2048 }, description: 'the question', role: 'data', wording: 'model' }],
  risk: 'read',
  needs: () => [],
  run: async () => ({ ok: true, text: 'question delivered', label: trustedLabel({ kind: 'ask_user', ref: 'user' }) }),
};

export const shareSend: ToolSpec<ToolEnvironment> = {
  name: 'share.send',
  description: 'Send a text message to a person (delivered to their outbox).',
  params: [
    { name: 'to', type: { kind: 'recipient' }, description: 'the recipient, e.g. bob or bob@example.org', role: 'target' },
    { name: 'text', type: { kind: 'string', maxLength: 16_384 }, description: 'the message', role: 'data' },
  ],
  risk: 'egress',
  needs: (args) => [{ right: 'egress', resource: { kind: 'recipient', name: text(args, 'to') }, argument: 'to' }],
  run: async (env, args) => {
    const to = text(args, 'to');
    const volume = env.home.volume;
    const outbox = resolveHome(env, OUTBOX_ROOT);
    if (!volume.exists(outbox)) volume.mkdir(outbox, { recursive: true });
    const message = utf8Encoder.encode(`--- message sent ${new Date(env.clock.wallTime()).toISOString()} ---\n${text(args, 'text')}\n`);
    volume.appendFile(resolveHome(env, `${OUTBOX_ROOT}/${to}`), message);
    return { ok: true, text: `sent ${message.length} bytes to ${to}`, label: trustedLabel({ kind: 'share.send', ref: to }) };
  },
};

export const SYSTEM_TOOLS = [memoryRecall, klogRead, timeNow, reply, askUser, shareSend] as const;
