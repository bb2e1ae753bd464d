/** llm/safetensors — safetensors reader/writer and Hugging Face model folders (F32/F16/BF16). */
export {
  readSafetensors, readSafetensorsHeader, safetensorsData, safetensorsToTensor, SAFETENSORS_DTYPE_BYTES, SAFETENSORS_MAX_HEADER,
  type SafetensorsDtype, type SafetensorsFile, type SafetensorsTensorInfo,
} from './reader.ts';
export { writeSafetensors, type SafetensorsTensorToWrite } from './writer.ts';
export { openHfFolder, type HfFileAccess, type HfFolder, type HfTensor } from './hf-folder.ts';
