/**
 * The handle table: capabilities in the Zircon/seL4 sense.
 *
 * A handle is an opaque number naming (object, type, rights). Numbers are
 * never reused, so a stale handle can never reach a newer object.
 *
 *   create     a root handle for a new object
 *   duplicate  a child handle with rights = parent rights & mask (needs
 *              DUPLICATE on the parent; rights only ever shrink)
 *   createDerived  the same, for a new object carved from the parent's
 *              (a subdirectory handle from a directory handle)
 *   close      ends this one handle; its children live on
 *   revoke     ends this handle and everything derived from it, transitively
 *              (like seL4 revoke + delete; any holder may revoke its own
 *              subtree, which never reaches anyone else's authority)
 *
 * The derivation tree is kept across closes: a closed handle stays as a
 * silent tree node while it has live descendants, so revoking its ancestor
 * still reaches them. Nodes with no live descendants are pruned.
 *
 * Lookups of dead handles say why: 'handle.revoked' for one killed by a
 * revocation (the last REVOKED_MEMORY of them are remembered), otherwise
 * 'handle.invalid'.
 */

import { fail } from '../../common/index.ts';
import { formatRights, hasRights, Rights, type RightsMask } from './rights.ts';

/** revoked handle numbers remembered for a precise error */
const REVOKED_MEMORY = 4096;

interface HandleNode {
  readonly handle: number;
  readonly object: unknown;
  readonly type: string;
  readonly rights: RightsMask;
  readonly parent: HandleNode | undefined;
  readonly children: Set<HandleNode>;
  /** false once closed (the node then only carries the tree) */
  alive: boolean;
}

export interface HandleInfo {
  readonly handle: number;
  readonly type: string;
  readonly rights: RightsMask;
  /** "READ|DUPLICATE" */
  readonly rightsText: string;
  /** the handle this one was duplicated from, if that node still exists */
  readonly parent: number | undefined;
  /** distance from the root of its derivation tree */
  readonly depth: number;
}

export class HandleTable {
  private readonly nodes = new Map<number, HandleNode>();
  private readonly revoked = new Set<number>();
  private nextHandle = 1;

  /** a new root handle for `object` of kind `type` ('volume', 'model', …) */
  create(object: unknown, type: string, rights: RightsMask): number {
    return this.insert({ handle: this.nextHandle++, object, type, rights, parent: undefined, children: new Set(), alive: true });
  }

  private insert(node: HandleNode): number {
    this.nodes.set(node.handle, node);
    node.parent?.children.add(node);
    return node.handle;
  }

  /** a child handle with the parent's rights & `rightsMask`; needs DUPLICATE */
  duplicate(handle: number, rightsMask: RightsMask = ~0): number {
    const parent = this.liveNode(handle);
    if (!hasRights(parent.rights, Rights.DUPLICATE)) {
      fail('handle.access_denied', `handle ${handle} (${parent.type}) lacks DUPLICATE, it has ${formatRights(parent.rights)}`, { handle, needed: 'DUPLICATE' });
    }
    return this.insert({ handle: this.nextHandle++, object: parent.object, type: parent.type, rights: parent.rights & rightsMask, parent, children: new Set(), alive: true });
  }

  /**
   * A child handle for a NEW object derived from the parent's (a subdirectory
   * of a directory, a window of a buffer): rights = `rights` & the parent's,
   * needs DUPLICATE on the parent, and revoking the parent reaches it.
   */
  createDerived(handle: number, object: unknown, type: string, rights: RightsMask): number {
    const parent = this.liveNode(handle);
    if (!hasRights(parent.rights, Rights.DUPLICATE)) {
      fail('handle.access_denied', `handle ${handle} (${parent.type}) lacks DUPLICATE, it has ${formatRights(parent.rights)}`, { handle, needed: 'DUPLICATE' });
    }
    return this.insert({ handle: this.nextHandle++, object, type, rights: parent.rights & rights, parent, children: new Set(), alive: true });
  }

  /** end this handle only */
  close(handle: number): void {
    const node = this.liveNode(handle);
    node.alive = false;
    this.prune(node);
  }

  /** end this handle and every handle derived from it; returns how many live handles ended */
  revoke(handle: number): number {
    const root = this.liveNode(handle);
    let ended = 0;
    const stack: HandleNode[] = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (const child of node.children) stack.push(child);
      if (node.alive) {
        ended++;
        this.rememberRevoked(node.handle);
      }
      node.alive = false;
      this.nodes.delete(node.handle);
    }
    root.parent?.children.delete(root);
    if (root.parent !== undefined) this.prune(root.parent);
    return ended;
  }

  /** the object behind `handle`, if it is alive, of `type`, and holds `requiredRights` */
  lookup<T = unknown>(handle: number, type: string, requiredRights: RightsMask): T {
    const node = this.liveNode(handle);
    if (node.type !== type) fail('handle.wrong_type', `handle ${handle} refers to a ${node.type}, not a ${type}`, { handle, type: node.type, expected: type });
    if (!hasRights(node.rights, requiredRights)) {
      fail('handle.access_denied', `handle ${handle} (${type}) has ${formatRights(node.rights)}, needs ${formatRights(requiredRights)}`, {
        handle,
        rights: node.rights,
        required: requiredRights,
      });
    }
    return node.object as T;
  }

  rightsOf(handle: number): RightsMask {
    return this.liveNode(handle).rights;
  }

  typeOf(handle: number): string {
    return this.liveNode(handle).type;
  }

  /** true while `handle` is alive */
  isLive(handle: number): boolean {
    return this.nodes.get(handle)?.alive === true;
  }

  /** live handles, oldest first, for the shell */
  list(): HandleInfo[] {
    const out: HandleInfo[] = [];
    for (const node of this.nodes.values()) {
      if (!node.alive) continue;
      let depth = 0;
      for (let up = node.parent; up !== undefined; up = up.parent) depth++;
      out.push({ handle: node.handle, type: node.type, rights: node.rights, rightsText: formatRights(node.rights), parent: node.parent?.handle, depth });
    }
    return out;
  }

  /** live handles */
  get size(): number {
    let count = 0;
    for (const node of this.nodes.values()) if (node.alive) count++;
    return count;
  }

  private liveNode(handle: number): HandleNode {
    const node = this.nodes.get(handle);
    if (node !== undefined && node.alive) return node;
    if (this.revoked.has(handle)) fail('handle.revoked', `handle ${handle} was revoked`, { handle });
    return fail('handle.invalid', `handle ${handle} does not exist or was closed`, { handle });
  }

  /** drop dead nodes with no children, walking up */
  private prune(start: HandleNode): void {
    for (let node: HandleNode | undefined = start; node !== undefined && !node.alive && node.children.size === 0; node = node.parent) {
      this.nodes.delete(node.handle);
      node.parent?.children.delete(node);
    }
  }

  private rememberRevoked(handle: number): void {
    this.revoked.add(handle);
    if (this.revoked.size > REVOKED_MEMORY) {
      const oldest = this.revoked.values().next().value!;
      this.revoked.delete(oldest);
    }
  }
}
