/** The machine a benchmark ran on and how busy it was: figures from a shared machine mean little without both. */
import { readFileSync } from 'node:fs';
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

/**
 * CPU milliseconds (user + system) a process has used so far, from /proc (Linux): read around a load to get the CPU a
 * server spends per request, a figure that a busy machine bends far less than requests per second or latency.
 */
export function processCpuMs(pid: number): number {
  // The fields after the command name (which may contain spaces) start at `state`; utime and stime are the 12th and
  // 13th of them, in clock ticks (USER_HZ, 100 on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** The line a benchmark that prints its figures starts with: Node, CPUs and the load averages (1, 5, 15 minutes). */
export function machineLine(): string {
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return `node ${process.version}, ${os.cpus().length} CPUs, load average ${load}`;
}

/** Resident memory (RSS) of a process in MiB, from /proc (Linux). */
export function processRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  if (line === undefined) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(line.split(/\s+/)[1]) / 1024;
}
