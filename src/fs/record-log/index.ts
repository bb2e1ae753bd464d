/** fs/record-log — crash-safe append-only record log over a BlockDevice (episodic and audit logs build on it). */
export { RecordLog, type LogRecord, type RecordLogCreateOptions, type RecordLogOpenOptions, type RecordLogRecovery } from './record-log.ts';
export { JsonLog, type JsonLogOptions, type JsonLogRecord } from './json-log.ts';
export type { ScanStop } from './scan.ts';
export { FRAME_HEADER_SIZE } from './frame.ts';
export { LOG_HEADER_SIZE } from './log-header.ts';
