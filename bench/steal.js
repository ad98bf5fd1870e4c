// How much CPU time the host took from this virtual machine while something ran: the "steal" column of Linux's
// /proc/stat. On a shared VM a stolen vCPU stops every thread on it, and a kernel split over two threads waits
// for the slower one, so a benchmark reports this next to its times. null where /proc/stat does not exist.
import { readFileSync } from "node:fs";

/** @typedef {{ total: number, steal: number }} CpuTimes jiffies summed over all CPUs */

/** @returns {CpuTimes | null} */
export function cpuTimes() {
  let line;
  try {
    line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
  } catch {
    return null;
  }
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user).
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return f.length === 8 && f.every(Number.isFinite) ? { total: f.reduce((a, b) => a + b, 0), steal: f[7] } : null;
}

/**
 * The share of all CPU time between two cpuTimes() readings that the host stole, in [0, 1]; null when either
 * reading is missing or no time passed.
 * @param {CpuTimes | null} before @param {CpuTimes | null} after
 */
export function stolenShare(before, after) {
  if (!before || !after || after.total <= before.total) return null;
  return (after.steal - before.steal) / (after.total - before.total);
}

/** "2.4 %", or "—" for null. @param {number | null} share */
export function percent(share) {
  return share == null ? "—" : `${(share * 100).toFixed(1)} %`;
}
