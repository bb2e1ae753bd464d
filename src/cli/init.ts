/**
 * init — what runs after the kernel is up and before the shell: storage,
 * the kernel's own syscalls, and the handles the shell starts with. Shared
 * by `chimaera boot` and the in-process system tests, so both bring the
 * system up the same way.
 */

import { KERNEL_OBJECT_TYPE, Rights, registerKernelSyscalls, type Kernel } from '../kernel/index.ts';
import { DIRECTORY_OBJECT_TYPE, startStorage, type Storage } from '../fs/index.ts';
import type { ShellHandles, SyscallPort } from '../shell/index.ts';

export interface System {
  readonly kernel: Kernel;
  readonly storage: Storage;
  /** the shell's syscall port (errors thrown as ChimaeraError) */
  readonly port: SyscallPort;
  /** the handles the shell starts with: kernel (READ, MANAGE) and the volume root (READ, WRITE, DUPLICATE) */
  readonly shellHandles: ShellHandles;
}

export function startSystem(kernel: Kernel): System {
  const storage = startStorage(kernel);
  registerKernelSyscalls(kernel);
  const shellHandles: ShellHandles = {
    kernel: kernel.handles.create(kernel, KERNEL_OBJECT_TYPE, Rights.READ | Rights.MANAGE),
    root: kernel.handles.create(storage.root, DIRECTORY_OBJECT_TYPE, Rights.READ | Rights.WRITE | Rights.DUPLICATE),
  };
  const port: SyscallPort = {
    async call<T>(name: string, handle: number, args: Record<string, unknown> = {}): Promise<T> {
      const result = await kernel.syscalls.dispatch({ handles: kernel.handles, principal: 'shell' }, name, handle, args);
      if (!result.ok) throw result.error;
      return result.value as T;
    },
  };
  kernel.klog.info('init', `${kernel.syscalls.list().length} syscalls registered; shell handles: kernel ${shellHandles.kernel}, root ${shellHandles.root}`);
  return { kernel, storage, port, shellHandles };
}
