import { collectDefaultMetrics, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * CPU, memory, event loop lag, GC and handles of this process (prom-client's default metrics),
 * in a registry of their own. They describe the process, not an app instance, and collecting
 * them starts monitors that are never stopped, so every app built in one process shares this
 * registry instead of starting its own set (tests build hundreds of apps).
 */
export function getProcessRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
