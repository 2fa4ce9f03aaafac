/** The machine a benchmark ran on and how busy it was: figures from a shared machine mean little without both. */
import os from 'node:os';

export interface MachineInfo {
  cpus: number;
  model: string;
  memGiB: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** The one-minute load average, two decimals. */
export function loadAverage(): number {
  return Math.round(os.loadavg()[0]! * 100) / 100;
}
