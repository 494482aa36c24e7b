/**
 * A summary of a V8 CPU profile (`node --cpu-prof`): self time per function and per package, the top
 * entries, so that a report shows where the router spends its CPU.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './services.ts';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  /** Sampled CPU time in the window, idle excluded. */
  totalMs: number;
  functions: ProfileEntry[];
  packages: ProfileEntry[];
}

/** Where code lives: `pkg` for node_modules/pkg (scoped too), `node:internal`, or the project folder. */
function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (built-in)';
  if (url.startsWith('wasm:')) return 'WebAssembly';
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first = '', second = ''] = path.slice(modules + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const inRepo = relative(REPO_ROOT, path);
  return inRepo.startsWith('..') ? path : `project: ${inRepo.split('/').slice(0, -1).join('/') || '.'}`;
}

function shortLocation(url: string, line: number): string {
  if (url === '' || url.startsWith('wasm:')) return '';
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  const modules = path.lastIndexOf('/node_modules/');
  const shown = modules >= 0 ? path.slice(modules + '/node_modules/'.length) : relative(REPO_ROOT, path);
  return ` ${shown}:${line + 1}`;
}

/**
 * The top functions and packages by self time, counting only samples taken `window` (ms from the start of
 * the profile, which starts with the process) so that start-up and warm-up stay out.
 */
export function summariseProfile(
  path: string,
  window: { fromMs: number; toMs: number } = { fromMs: 0, toMs: Infinity },
  top = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const selfUs = new Map<number, number>();
  let atUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    atUs += delta;
    if (atUs >= window.fromMs * 1000 && atUs <= window.toMs * 1000)
      selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id);
    if (!frame || frame.functionName === '(idle)') continue;
    totalUs += us;
    const name = `${frame.functionName || '(anonymous)'}${shortLocation(frame.url, frame.lineNumber)}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const pkg = packageOf(frame.url, frame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const ranked = (entries: Map<string, number>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, percent: (100 * us) / Math.max(1, totalUs) }));
  return { totalMs: totalUs / 1000, functions: ranked(byFunction), packages: ranked(byPackage) };
}
