/**
 * Rights: what a handle lets its holder do with the object behind it
 * (Zircon rights, seL4 capability rights). A rights value is a bit set;
 * a derived handle's rights are always a subset of its source's.
 */

export const Rights = {
  NONE: 0,
  /** read the object's data or state (read a file, list a directory, dmesg) */
  READ: 1 << 0,
  /** change the object's data or state (write, create, delete) */
  WRITE: 1 << 1,
  /** run it: invoke a model, execute a tool or a task */
  EXECUTE: 1 << 2,
  /** derive new handles from this one (with equal or fewer rights) */
  DUPLICATE: 1 << 3,
  /** hand the handle to another principal (task, tool, remote peer) */
  TRANSFER: 1 << 4,
  /** read the physical world: camera, microphone, input and file-activity sensors */
  SENSE: 1 << 5,
  /** send data off the machine (network egress) */
  EGRESS: 1 << 6,
  /** administer: configure, mount/unmount, start/stop, change policy */
  MANAGE: 1 << 7,
} as const;

export type RightName = Exclude<keyof typeof Rights, 'NONE'>;

/** a bit set of Rights values */
export type RightsMask = number;

export const RIGHT_NAMES: readonly RightName[] = ['READ', 'WRITE', 'EXECUTE', 'DUPLICATE', 'TRANSFER', 'SENSE', 'EGRESS', 'MANAGE'];

/** every right there is */
export const ALL_RIGHTS: RightsMask = RIGHT_NAMES.reduce((mask, name) => mask | Rights[name], 0);

/** true when `rights` holds every bit of `required` */
export function hasRights(rights: RightsMask, required: RightsMask): boolean {
  return (rights & required) === required;
}

/** names of the rights in `rights`, in declaration order */
export function rightNames(rights: RightsMask): RightName[] {
  return RIGHT_NAMES.filter((name) => (rights & Rights[name]) !== 0);
}

/** "READ|WRITE", or "NONE" */
export function formatRights(rights: RightsMask): string {
  const names = rightNames(rights);
  return names.length === 0 ? 'NONE' : names.join('|');
}
