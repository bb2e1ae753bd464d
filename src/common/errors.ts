/**
 * Errors as data: one registry of stable error codes for the whole system.
 *
 * Every expected failure that crosses a subsystem boundary is a
 * `ChimaeraError` whose `code` comes from `ERROR_CODES` below. A code never
 * changes meaning once shipped; its `id` is the number the syscall ABI
 * returns, and its `hint` tells the user what to do about it. The message
 * carries the specifics ("chimaera.img: FAT copy 2 disagrees with copy 1 at
 * sector 38").
 *
 * Broken invariants (bugs) are not ChimaeraErrors: they are panics.
 *
 * Adding a code: append it to its section with the next free id of that
 * section. Never reuse or renumber an id.
 */

export interface ErrorCodeInfo {
  /** stable numeric id, unique across the registry */
  readonly id: number;
  /** what the user can do about it */
  readonly hint: string;
}

export const ERROR_CODES = {
  // ── general (1xx) ────────────────────────────────────────────────────────
  'arg.invalid': { id: 100, hint: 'Check the value against the command or syscall documentation.' },
  'arg.missing': { id: 101, hint: 'Supply the missing argument; `help` lists what each command takes.' },
  'internal': { id: 102, hint: 'This is a bug in ChimaeraOS; please report it with the dmesg output.' },
  'cancelled': { id: 103, hint: 'The operation was cancelled before it finished; run it again if you still need it.' },
  'timeout': { id: 104, hint: 'The operation took too long; retry, or raise the time limit.' },
  'unsupported': { id: 105, hint: 'This feature or format variant is not supported yet.' },

  // ── boot (2xx) ───────────────────────────────────────────────────────────
  'boot.bad_magic': { id: 200, hint: 'The kernel must be entered by a Multiboot2 loader (magic 0x36d76289).' },
  'boot.info_malformed': { id: 201, hint: 'The boot-information structure is damaged; rebuild it with the loader.' },
  'boot.module_missing': { id: 202, hint: 'Pass the module to the loader (for example --disk PATH or --model PATH).' },
  'boot.module_out_of_range': { id: 203, hint: 'A boot module lies outside the memory the loader described.' },
  'boot.config_invalid': { id: 204, hint: 'Fix the kernel command line or the config option named in the message.' },

  // ── kernel: memory, handles, syscalls, scheduler, bus (3xx) ────────────
  'mm.out_of_memory': { id: 300, hint: 'The kernel arena is full; free memory (unload a model) or boot with a larger arena (--arena-mb).' },
  'mm.bad_free': { id: 301, hint: 'The allocation was already freed or never existed; this is a bug in the caller.' },
  'mm.too_large': { id: 302, hint: 'The request exceeds the arena limit; use a smaller model or a larger arena.' },
  'handle.invalid': { id: 310, hint: 'The handle does not exist or was closed; obtain a new one.' },
  'handle.revoked': { id: 311, hint: 'The handle was revoked by its grantor; request access again.' },
  'handle.access_denied': { id: 312, hint: 'The handle lacks the right this operation needs; ask for a handle with that right.' },
  'handle.wrong_type': { id: 313, hint: 'The handle refers to a different kind of object than this operation expects.' },
  'syscall.unknown': { id: 320, hint: 'No syscall has that name; see the syscall table (`syscalls` in the shell).' },
  'syscall.bad_args': { id: 321, hint: 'The syscall arguments do not match its declaration; see the message for which one.' },
  'syscall.exists': { id: 322, hint: 'Two subsystems registered the same syscall name; this is a bug in the boot wiring.' },
  'sched.task_exists': { id: 330, hint: 'A task with this name is already running; stop it first or pick another name.' },
  'sched.no_such_task': { id: 331, hint: 'No task has that name or id; `ps` lists the running tasks.' },
  'sched.shut_down': { id: 332, hint: 'The scheduler has shut down (the system is halting); no new tasks can start.' },
  'bus.closed': { id: 340, hint: 'The subscription was closed; subscribe again.' },

  // ── block devices (4xx) ──────────────────────────────────────────────────
  'dev.out_of_range': { id: 400, hint: 'The access runs past the end of the device; the image may be truncated.' },
  'dev.io': { id: 401, hint: 'The host could not read or write the disk image; check the file and its permissions.' },
  'dev.misaligned': { id: 402, hint: 'Block I/O must be a whole number of sectors; this is a bug in the caller.' },
  'dev.read_only': { id: 403, hint: 'The device was opened read-only.' },
  'dev.busy': { id: 404, hint: 'Another ChimaeraOS instance holds the disk image; shut it down first.' },

  // ── file system (5xx) ────────────────────────────────────────────────────
  'fs.not_found': { id: 500, hint: 'Check the path; `ls` shows what the directory holds.' },
  'fs.exists': { id: 501, hint: 'Something already has that name; remove it or choose another name.' },
  'fs.not_dir': { id: 502, hint: 'A component of the path is a file, not a directory.' },
  'fs.is_dir': { id: 503, hint: 'The path names a directory; use a directory operation (ls, rmdir).' },
  'fs.not_empty': { id: 504, hint: 'Remove the directory contents first (or use the recursive option).' },
  'fs.no_space': { id: 505, hint: 'The volume is full; delete files or create a larger disk (--disk-size).' },
  'fs.name_invalid': { id: 506, hint: 'FAT names may not contain " * / : < > ? \\ | or control characters, and are at most 255 UTF-16 units.' },
  'fs.read_only': { id: 507, hint: 'The volume is mounted read-only.' },
  'fs.corrupt': { id: 508, hint: 'The volume is damaged; run `chimaera disk fsck IMAGE` (or fsck.fat) to see what is wrong.' },
  'fs.not_fat32': { id: 509, hint: 'The image is not a FAT32 volume; format it with `chimaera disk mkfs IMAGE`.' },
  'fs.file_too_large': { id: 510, hint: 'FAT32 files are limited to 4 GiB - 1 byte.' },
  'fs.busy': { id: 511, hint: 'The file is open elsewhere; close it first.' },
  'fs.unmounted': { id: 512, hint: 'The volume was unmounted; mount it again.' },
  'fs.path_invalid': { id: 513, hint: 'Paths are absolute and use / as separator, for example /home/notes.txt.' },

  // ── record log (6xx) ─────────────────────────────────────────────────────
  'log.full': { id: 600, hint: 'The log reached its capacity; rotate it or give it more space.' },
  'log.record_too_large': { id: 601, hint: 'A single record must fit in the log segment; split the payload.' },
  'log.corrupt': { id: 602, hint: 'The log header is damaged; the log cannot be opened safely.' },
  'log.closed': { id: 603, hint: 'The log was closed; open it again.' },
  'log.record_not_json': { id: 604, hint: 'The record is not the JSON this log expects; read it as raw bytes (records()) to inspect it.' },

  // ── llm (7xx) ────────────────────────────────────────────────────────────
  // formats: GGUF, safetensors, Hugging Face folders, quantization (700–729)
  'gguf.bad_magic': { id: 700, hint: 'The file is not a GGUF model (it must start with "GGUF"); check the path, or convert the model to GGUF.' },
  'gguf.version_unsupported': { id: 701, hint: 'Only little-endian GGUF versions 2 and 3 are supported; re-convert the model with a current llama.cpp.' },
  'gguf.truncated': { id: 702, hint: 'The GGUF file ends early; the download or copy is incomplete, so fetch the file again.' },
  'gguf.malformed': { id: 703, hint: 'The GGUF header is damaged or invalid (see the message for the field); re-convert or re-download the model.' },
  'gguf.tensor_type_unknown': { id: 704, hint: 'A tensor uses a GGML type this engine does not support (supported: F32, F16, BF16, Q4_0, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K); re-quantize the model (f16, q8_0 or q4_k_m).' },
  'gguf.tensor_out_of_bounds': { id: 705, hint: 'A tensor lies outside the file; the file is truncated or damaged, so fetch it again.' },
  'gguf.tensor_invalid': { id: 706, hint: 'A tensor description is invalid (dimensions, alignment, overlap or a duplicate name); re-convert the model.' },
  'gguf.key_missing': { id: 707, hint: 'The GGUF metadata lacks a key the loader needs; the file was converted for another architecture or by an old tool.' },
  'gguf.key_type': { id: 708, hint: 'A GGUF metadata key has an unexpected value type; re-convert the model with a current llama.cpp.' },
  'safetensors.malformed': { id: 710, hint: 'The safetensors header is damaged or invalid (see the message); re-download or re-save the file.' },
  'safetensors.truncated': { id: 711, hint: 'The safetensors file ends early; the download or copy is incomplete, so fetch the file again.' },
  'safetensors.dtype_unsupported': { id: 712, hint: 'Only F32, F16 and BF16 tensors are supported; save the model in one of those dtypes.' },
  'safetensors.tensor_invalid': { id: 713, hint: 'A tensor entry is invalid (shape, offsets, overlap or size); re-save the file.' },
  'hf.file_missing': { id: 715, hint: 'The Hugging Face model folder lacks a required file (config.json and model.safetensors or its index and shards); copy the complete folder.' },
  'hf.file_invalid': { id: 716, hint: 'A JSON file in the model folder is not valid (see the message); re-download it.' },
  'hf.tensor_conflict': { id: 717, hint: 'The shards or the index disagree about a tensor (missing or listed twice); re-download the folder.' },
  'quant.type_unsupported': { id: 720, hint: 'No kernel exists for this tensor type; use F32, F16, BF16, Q4_0, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K or Q6_K weights.' },
  'quant.size_invalid': { id: 721, hint: 'The element count or buffer size does not fit the type block layout; this is a bug in the caller.' },
  // WebAssembly compute kernels (725–729)
  'kernels.module_invalid': { id: 725, hint: 'The WebAssembly kernel module does not compile or lacks a kernel; rebuild it with `node scripts/build-wasm.js --force` (needs the assemblyscript devDependency).' },
  'kernels.arguments_invalid': { id: 726, hint: 'A WebAssembly kernel call names a type, size or memory range it cannot use (see the message); this is a bug in the caller.' },
  'kernels.worker_failed': { id: 727, hint: 'A kernel worker thread failed (a trap in a WebAssembly kernel); the engine continues on one thread. Report it with the klog lines around it.' },
  'kernels.pool_closed': { id: 728, hint: 'The kernel worker pool was shut down with the kernel; start a new session (boot) to run the model again.' },
  'kernels.unavailable': { id: 729, hint: 'The WebAssembly kernels were requested but cannot run here (module not supplied, or the buffers are not in the shared memory); build them with `node scripts/build-wasm.js` or choose kernels: \'typescript\'.' },
  // tokenizer (730–749)
  'tokenizer.malformed': { id: 730, hint: 'The tokenizer description (tokenizer.json or the GGUF tokenizer.* keys) lacks a field or has one of the wrong type; use the tokenizer files that came with the model.' },
  'tokenizer.unsupported': { id: 731, hint: 'Only byte-level BPE tokenizers of the GPT-2/Qwen2 family are supported (model BPE, NFC or no normalizer, ByteLevel pre-tokenizer and decoder); use a Qwen2-family model.' },
  'tokenizer.bad_vocab': { id: 732, hint: 'The vocabulary is inconsistent (duplicate or invalid ids, missing byte tokens); re-export the tokenizer from the original model.' },
  'tokenizer.bad_merge': { id: 733, hint: 'A BPE merge names a token that is not in the vocabulary; the merges and the vocabulary do not belong together.' },
  'tokenizer.length_mismatch': { id: 734, hint: 'The GGUF tokenizer arrays (tokens, token_type, scores) have different lengths; re-convert the model with a current llama.cpp.' },
  'tokenizer.unknown_id': { id: 735, hint: 'A token id is outside this tokenizer vocabulary; decode with the tokenizer that belongs to the model that produced the ids.' },
  // model, sampling and chat (750–779)
  'llm.config_invalid': { id: 750, hint: 'The model metadata (GGUF keys or config.json) is missing a value or is inconsistent; check that the file is a complete Qwen2 model.' },
  'llm.arch_unsupported': { id: 751, hint: 'Only the qwen2 architecture (Qwen2, Qwen2.5) is supported; use a Qwen2-family model.' },
  'llm.tensor_missing': { id: 752, hint: 'The model file lacks a tensor the architecture needs; the file may be truncated or converted for another architecture.' },
  'llm.tensor_shape': { id: 753, hint: 'A tensor shape disagrees with the model config; the file and its metadata do not belong together.' },
  'llm.tensor_type': { id: 754, hint: 'A tensor uses an element type this engine cannot compute with; re-quantize the model (f16, q8_0 or q4_k_m).' },
  'llm.context_full': { id: 755, hint: 'The context has no room for these tokens; shorten the prompt, reset the context or create one with more tokens.' },
  'llm.token_invalid': { id: 756, hint: 'A token id is outside the model vocabulary; tokenize with the tokenizer that belongs to this model.' },
  'llm.sampling_invalid': { id: 757, hint: 'A sampling option is out of range; see the sampler documentation for each option and its range.' },
  'llm.chat_invalid': { id: 758, hint: 'A chat message is malformed (unknown role or missing content); fix the message list.' },
  'llm.tool_call_malformed': { id: 759, hint: 'The model produced a tool call that is not valid JSON of the form {"name": ..., "arguments": {...}}; ask again or ignore it.' },
  'llm.adapter_mismatch': { id: 760, hint: 'A LoRA adapter does not fit this model (layer count or a matrix shape differs); use an adapter trained for this base model.' },
  // kernel service (780–789)
  'llm.not_loaded': { id: 780, hint: 'No model is loaded; boot with --model PATH (a .gguf file or a Hugging Face folder).' },

  // ── consent broker (1000–1049) ──────────────────────────────────────────
  'consent.denied': { id: 1000, hint: 'The consent broker refused this action; `grants` shows what is allowed, `why ACTION` explains the decision.' },
  'consent.malformed_request': { id: 1001, hint: 'The action names a resource the broker cannot check (a path with .., NUL or a short-name alias, a bad recipient); name it plainly.' },
  'consent.audit_corrupt': { id: 1002, hint: 'The audit log hash chain is broken (a record was edited or the log truncated); keep the image for inspection and start a new audit log.' },
  'consent.unknown_grant': { id: 1003, hint: 'No grant has that id; `grants` lists the live ones.' },
  'consent.unknown_prompt': { id: 1004, hint: 'The consent prompt was never issued, was already answered, or its task ended; run the request again.' },
  'consent.pattern_invalid': { id: 1005, hint: 'Patterns are an exact name, "dir/*" (one level), "dir/**" (subtree), "*@domain" or "*"; no other wildcards.' },
  'consent.grant_store_corrupt': { id: 1006, hint: 'The grant store /lived/grants holds a record that is not a grant; revoke and re-grant, or delete the file to start with no grants.' },

  // ── cognition: tools, daemon (1050–1079), grammar (1080–1099) ──────────
  'tool.unknown': { id: 1050, hint: 'No tool has that name; the tool list in the prompt (or `tools` in the shell) shows what exists.' },
  'tool.args_invalid': { id: 1051, hint: 'A tool argument is missing, unknown, of the wrong type, out of range or too long (see the message); fix the call.' },
  'tool.path_invalid': { id: 1052, hint: 'Tool paths are absolute, like /home/notes/a.txt, with no empty, "." or ".." segments and no control characters.' },
  'tool.path_forbidden': { id: 1053, hint: 'Tools may only touch files under /home; /lived and the rest of the volume belong to the system.' },
  'tool.call_malformed': { id: 1054, hint: 'A call is written tool.name(arg="text", n=3); check the quotes, commas and parentheses.' },
  'tool.failed': { id: 1055, hint: 'The tool hit an unexpected error (see the message); it is reported to the model as data, and klog has details.' },
  'daemon.consent_denied': { id: 1060, hint: 'The consent broker refused the call; grant the right when asked, or add a rule with `grants`.' },
  'daemon.plan_invalid': { id: 1061, hint: 'The planner produced no call or too many calls in one turn; the task stops with what it has.' },
  'daemon.planner_failed': { id: 1062, hint: 'The planner (the model) failed while planning; see klog, then ask again.' },
  'daemon.step_limit': { id: 1063, hint: 'The task used all its rounds without replying; ask a narrower question or raise the limit.' },
  'grammar.spec_invalid': { id: 1080, hint: 'A tool declaration cannot be compiled into the action grammar (duplicate or badly formed name, empty enum, bad range or limit); fix the tool spec.' },
  'grammar.turn_malformed': { id: 1081, hint: 'The text is not a turn of the action grammar (<tool_call> JSON with fixed spacing and key order, 1–8 calls); the message says where it went wrong.' },
  'grammar.integer_out_of_range': { id: 1082, hint: 'An integer argument lies outside the range its tool declares; use a value within it.' },
  'grammar.token_rejected': { id: 1083, hint: 'A token that the action grammar does not allow at this point was fed to the constraint; use its mask, or tokenize with the same vocabulary.' },
  'grammar.vocabulary_invalid': { id: 1084, hint: 'The token vocabulary and the model or end token do not belong together; build the vocabulary from the model\'s own tokenizer.' },

  // ── memory: episodes, sketch, vectors (1100–1149) ───────────────────────
  'memory.episode_invalid': { id: 1100, hint: 'An episode record lacks a field or has one of the wrong type; this is a bug in the code that wrote it.' },
  'memory.query_invalid': { id: 1101, hint: 'A memory search needs some words to look for and a result count of 1 or more.' },
  'memory.correction_invalid': { id: 1102, hint: 'A correction names a task of the episodic log (ids like t3, see the task list) and says what the right answer was; check the task id and give the text.' },

  // ── sensors (1200–1249) ─────────────────────────────────────────────────
  'sensors.wav_invalid': { id: 1200, hint: 'The audio file is not a WAV this reader understands (RIFF/WAVE with 16-bit integer PCM, 1 to 8 channels); convert it, for example with `sox in.wav -b 16 out.wav`.' },
  'sensors.source_unavailable': { id: 1201, hint: 'The sensor source cannot run on this host (a device, folder or program is missing; see the message); install or connect it, or choose another source.' },
  'sensors.source_failed': { id: 1202, hint: 'A sensor source failed while capturing (see the message) and was stopped; check the device or folder, then withdraw and grant the sense again.' },
  'sensors.config_invalid': { id: 1203, hint: 'A sensor option is out of range (see the message for which one and the allowed range).' },
  'sensors.salt_invalid': { id: 1204, hint: 'The sensor hashing salt must be exactly 16 bytes (128 bits); the system keeps it in /lived/snn/, so delete that file to make a new one.' },
  'sensors.encoder_state_invalid': { id: 1205, hint: 'The saved spike-encoder state does not fit these encoders (wrong length, layout or values); start the encoders fresh.' },
  'sensors.recording_invalid': { id: 1206, hint: 'A line of the sensor-event recording (JSON Lines) is not a valid sensor event (see the message for the line); re-record it with `chimaera sensors record`.' },
  'sensors.no_consent_broker': { id: 1207, hint: 'Senses are granted through the consent broker, and this system was started without one; boot the whole system (`chimaera boot`) to grant sensing.' },

  // ── perception (1250–1299) ──────────────────────────────────────────────
  'perception.params_invalid': { id: 1250, hint: 'A PC-SNN parameter is out of range (see the message for which one and its allowed range); fix it or leave it at its default.' },
  'perception.input_invalid': { id: 1251, hint: 'A spike names a channel outside the network\'s input channels or its batches are out of tick order; feed the network from the encoders built for its channel map.' },
  'perception.snapshot_truncated': { id: 1252, hint: 'The PC-SNN snapshot ends early (a partial write); restore an older snapshot from /lived/snn or start the network fresh.' },
  'perception.snapshot_format': { id: 1253, hint: 'The bytes are not a PC-SNN snapshot, or their layout does not match their own header; restore another snapshot or start the network fresh.' },
  'perception.snapshot_version': { id: 1254, hint: 'The PC-SNN snapshot was written by a different snapshot version; start the network fresh (it relearns online) or use the matching ChimaeraOS release.' },
  'perception.snapshot_crc': { id: 1255, hint: 'The PC-SNN snapshot fails its CRC-32 check (damaged on disk); restore an older snapshot from /lived/snn or start the network fresh.' },

  // ── anomaly detection (1300–1349) ───────────────────────────────────────
  'anomaly.csv_invalid': { id: 1300, hint: 'The CSV must hold numbers only (an optional first header row of names is allowed) with the same number of columns on every row; fix the cell named in the message.' },
  'anomaly.data_invalid': { id: 1301, hint: 'The data is empty, mis-shaped or holds a non-finite value (see the message); clean the input before fitting or scoring.' },
  'anomaly.params_invalid': { id: 1302, hint: 'An Isolation Forest or detector parameter is out of range (see the message for the allowed range).' },
  'anomaly.width_mismatch': { id: 1303, hint: 'The samples have a different number of features than the data the model was fitted on; score rows with the same columns as the training data.' },

  // ── training, LoRA (1400–1499) ──────────────────────────────────────────
  'train.config_invalid': { id: 1400, hint: 'Fix the training or LoRA option named in the message (rank, alpha, dropout, targets, learning rate, steps).' },
  'train.batch_invalid': { id: 1401, hint: 'Every example needs token ids inside the vocabulary, at most the trainer\'s maxTokens tokens and at least one counted target; check the dataset builder.' },
  'train.checkpoint_invalid': { id: 1402, hint: 'The checkpoint is damaged or not a ChimaeraOS training checkpoint; restore an older one or start training again.' },
  'train.checkpoint_mismatch': { id: 1403, hint: 'The checkpoint was written for a different model shape, adapter or trainer mode; load it into a matching trainer.' },
  'train.diverged': { id: 1404, hint: 'The loss or a gradient became NaN or infinite; lower the learning rate, enable gradient clipping or restore the last checkpoint.' },
  'train.adapter_mismatch': { id: 1405, hint: 'The LoRA adapter was made for a model of another shape; train or load an adapter for this model.' },
  // the retrain cycle: dataset, adapters in /lived, history, promotion (1420–1449)
  'train.retrain_busy': { id: 1420, hint: 'A retrain is already running; wait for it to finish (klog, facility train, shows its progress) and try again.' },
  'train.rollback_unavailable': { id: 1421, hint: 'There is no promoted adapter to roll back (the base model is already running without one); `adapters list` shows the history.' },
  'train.adapter_missing': { id: 1422, hint: 'An adapter folder under /lived/adapters is missing or unreadable; roll back to another adapter or run a retrain to make a new one.' },
  'train.history_invalid': { id: 1423, hint: 'A record of /lived/adapters/history is not one this version writes; the history file is damaged or from another version (move it away to start a new history).' },
  // adapter files: PEFT folders, GGUF LoRA export (1450–1469)
  'train.peft_config_invalid': { id: 1450, hint: 'adapter_config.json is missing, not JSON, or describes something other than a plain LoRA (peft_type LORA, bias "none", fan_in_fan_out false, known target modules); re-export the adapter with PEFT defaults.' },
  'train.peft_tensor_missing': { id: 1451, hint: 'adapter_model.safetensors lacks a lora_A/lora_B tensor that adapter_config.json promises; the folder is incomplete or the config belongs to another adapter.' },
  'train.peft_tensor_invalid': { id: 1452, hint: 'A tensor in adapter_model.safetensors has the wrong shape or rank, an unsupported dtype, or a name PEFT would not write for this config; re-export the adapter for this base model.' },

  // ── shell and command line (9xx) ─────────────────────────────────────────
  'cli.usage': { id: 900, hint: 'Run `chimaera help` for the commands and their arguments.' },
  'cli.host_io': { id: 901, hint: 'Check that the host path exists and is readable/writable.' },
  'shell.unknown_command': { id: 910, hint: 'Type `help` for the list of commands.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A failure a caller can expect and act on. */
export class ChimaeraError extends Error {
  readonly code: ErrorCode;
  /** extra structured facts (offsets, sizes, names) for logs and tests */
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options?: { detail?: Record<string, unknown>; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChimaeraError';
    this.code = code;
    this.detail = options?.detail;
  }

  get id(): number {
    return ERROR_CODES[this.code].id;
  }

  get hint(): string {
    return ERROR_CODES[this.code].hint;
  }

  /** "fs.not_found: /home/x.txt does not exist (hint: Check the path; …)" */
  describe(): string {
    return `${this.code}: ${this.message}\n  hint: ${this.hint}`;
  }
}

/** Throw a typed error in one expression. */
export function fail(code: ErrorCode, message: string, detail?: Record<string, unknown>): never {
  throw new ChimaeraError(code, message, detail === undefined ? undefined : { detail });
}

export function isChimaeraError(value: unknown, code?: ErrorCode): value is ChimaeraError {
  return value instanceof ChimaeraError && (code === undefined || value.code === code);
}

// ── Result: the shape that crosses the syscall boundary ────────────────────

export type Result<T, E = ChimaeraError> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

export function err<E>(error: E): Result<never, E> {
  return { ok: false, error };
}

/**
 * Run `fn`, turning a thrown ChimaeraError into an error result. Anything
 * else thrown is a bug and is re-thrown so it reaches the panic path.
 */
export function attempt<T>(fn: () => T): Result<T> {
  try {
    return ok(fn());
  } catch (e) {
    if (e instanceof ChimaeraError) return err(e);
    throw e;
  }
}

/** Async twin of `attempt`. */
export async function attemptAsync<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (e) {
    if (e instanceof ChimaeraError) return err(e);
    throw e;
  }
}
