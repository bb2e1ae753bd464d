/**
 * Adapters on the system disk:
 *
 *   /lived/adapters/<id>/adapter_config.json         PEFT files (peft.ts), F32
 *   /lived/adapters/<id>/adapter_model.safetensors
 *   /lived/adapters/history                         record log of AdapterHistoryRecord (adapter-history.ts)
 *
 * An adapter's folder is written completely before the history record that
 * promotes it is committed; the history is the truth, so a crash in
 * between leaves an unreferenced folder, never a promoted adapter without
 * files. The history is read once at open and kept in memory (it grows by
 * a few records a week).
 */

import { ChimaeraError, fail } from '../common/index.ts';
import type { Clock } from '../hal/index.ts';
import { JsonLog, openLogFile, type Fat32Volume, type LogFile } from '../fs/index.ts';
import type { Qwen2Config } from '../llm/index.ts';
import { foldHistory, isAdapterHistoryRecord, type AdapterHistoryRecord, type HistoryState } from './adapter-history.ts';
import type { LoraAdapter } from './lora.ts';
import { adapterFromPeft, adapterToPeft, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from './peft.ts';

export const ADAPTERS_DIR = '/lived/adapters';
export const ADAPTER_HISTORY_PATH = `${ADAPTERS_DIR}/history`;
/** history log capacity [bytes]: ~300 bytes a record, years of weekly runs */
const HISTORY_LOG_BYTES = 256 * 1024;

export interface AdapterStoreOptions {
  readonly clock?: Clock;
  /** the base model's name, written as base_model_name_or_path */
  readonly baseModel?: string;
}

export class AdapterStore {
  readonly volume: Fat32Volume;
  private readonly file: LogFile;
  private readonly log: JsonLog<unknown>;
  private readonly records: AdapterHistoryRecord[];
  private readonly baseModel: string;
  private folded: HistoryState;

  private constructor(volume: Fat32Volume, file: LogFile, records: AdapterHistoryRecord[], baseModel: string) {
    this.volume = volume;
    this.file = file;
    this.log = new JsonLog(file.log);
    this.records = records;
    this.baseModel = baseModel;
    this.folded = foldHistory(records);
  }

  /** open (creating on first use) /lived/adapters and its history; fails train.history_invalid on a record this version does not know */
  static open(volume: Fat32Volume, options: AdapterStoreOptions = {}): AdapterStore {
    if (!volume.exists(ADAPTERS_DIR)) volume.mkdir(ADAPTERS_DIR, { recursive: true });
    const file = openLogFile(volume, ADAPTER_HISTORY_PATH, { capacityBytes: HISTORY_LOG_BYTES, ...(options.clock === undefined ? {} : { clock: options.clock }) });
    try {
      const records: AdapterHistoryRecord[] = [];
      for (const entry of new JsonLog(file.log).records()) {
        if (!isAdapterHistoryRecord(entry.value)) fail('train.history_invalid', `${ADAPTER_HISTORY_PATH}: record ${entry.seq} is not an adapter history record`, { seq: entry.seq });
        records.push(entry.value);
      }
      return new AdapterStore(volume, file, records, options.baseModel ?? '');
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /** every history record, oldest first */
  history(): readonly AdapterHistoryRecord[] {
    return this.records;
  }

  /** active adapter, promoted stack, last run */
  get state(): HistoryState {
    return this.folded;
  }

  /** commit one history record (validated against the fold first, so a bad rollback changes nothing) */
  append(record: AdapterHistoryRecord): void {
    if (!isAdapterHistoryRecord(record)) throw new Error(`adapter-store: malformed history record of kind ${String((record as { kind?: unknown }).kind)}`);
    const next = foldHistory([...this.records, record]);
    this.log.appendCommitted(record);
    this.records.push(record);
    this.folded = next;
  }

  folderOf(id: string): string {
    return `${ADAPTERS_DIR}/${id}`;
  }

  /** write the adapter's PEFT folder (replacing one of the same id) */
  save(id: string, adapter: LoraAdapter): void {
    const folder = this.folderOf(id);
    if (this.volume.exists(folder)) this.volume.rmdir(folder, { recursive: true });
    this.volume.mkdir(folder);
    const files = adapterToPeft(adapter, { baseModel: this.baseModel });
    this.volume.writeFile(`${folder}/${PEFT_CONFIG_FILE}`, new TextEncoder().encode(files.configJson));
    this.volume.writeFile(`${folder}/${PEFT_WEIGHTS_FILE}`, files.weights);
    this.volume.sync();
  }

  /** the stored adapter `id` for a model of shape `model`; fails train.adapter_missing when its folder cannot be read */
  load(id: string, model: Qwen2Config): LoraAdapter {
    const folder = this.folderOf(id);
    let configJson: string;
    let weights: Uint8Array;
    try {
      configJson = new TextDecoder().decode(this.volume.readFile(`${folder}/${PEFT_CONFIG_FILE}`));
      weights = this.volume.readFile(`${folder}/${PEFT_WEIGHTS_FILE}`);
    } catch (error) {
      if (!(error instanceof ChimaeraError)) throw error;
      return fail('train.adapter_missing', `adapter ${id}: ${folder} cannot be read (${error.code}: ${error.message})`, { id });
    }
    return adapterFromPeft({ configJson, weights }, model, id);
  }

  /** commit and release the history file */
  close(): void {
    this.file.close();
  }
}
