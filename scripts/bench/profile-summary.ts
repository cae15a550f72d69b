/** Where a V8 CPU profile spent its time: self time per function, the top entries first. */
export interface ProfileEntry {
  fn: string;
  where: string;
  selfMs: number;
  share: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export function summarizeProfile(profile: { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[]; startTime: number; endTime: number }, top = 15): ProfileEntry[] {
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const byNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) byNode.set(samples[i]!, (byNode.get(samples[i]!) ?? 0) + (deltas[i] ?? 0) / 1000);
  const byFn = new Map<string, ProfileEntry>();
  for (const node of profile.nodes) {
    const ms = byNode.get(node.id) ?? 0;
    if (ms === 0) continue;
    const url = node.callFrame.url.replace(/^file:\/\//, "").replace(/^.*\/(node_modules|connector|shared|scripts)\//, "$1/");
    const fn = node.callFrame.functionName || "(anonymous)";
    const where = url ? `${url}:${node.callFrame.lineNumber + 1}` : "(native)";
    const key = `${fn}@${where}`;
    const entry = byFn.get(key) ?? { fn, where, selfMs: 0, share: 0 };
    entry.selfMs += ms;
    byFn.set(key, entry);
  }
  const entries = [...byFn.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  for (const e of entries) e.share = totalMs > 0 ? e.selfMs / totalMs : 0;
  return entries;
}
